/**
 * The WS server behaves like the real one: normalized acks, pong without data, snapshots on
 * every (re)subscribe with live pushes omitting isSnapshot, the documented error strings and
 * per-IP limits (users, subscriptions, messages, connections), idle and Expired closes.
 * Real loopback sockets; clients bind 127.0.0.x to act as different IPs.
 */
import { describe, expect, it } from 'vitest';
import { ZERO, dec, decStr } from '../../src/core/index.js';
import { until } from '../kit/index.js';
import { TestClient, delivered, simFixture } from './helpers.js';

const { start, connect } = simFixture({ seed: 5, accounts: 12, tickMs: 0 });

const isErr = (text: string) => (f: { json: unknown }) => {
  const j = f.json as { channel?: string; data?: unknown } | undefined;
  return j?.channel === 'error' && j.data === text;
};

describe('subscriptions and acks', () => {
  it('acks with the normalized subscription (lower-cased user, defaults added)', async () => {
    const s = await start();
    const c = await connect(s);
    const user = s.accounts[0] as string;
    const mixed = '0x' + user.slice(2).toUpperCase();
    c.subscribe({ type: 'userFills', user: mixed });
    c.subscribe({ type: 'clearinghouseState', user: mixed });
    c.subscribe({ type: 'trades', coin: 'BTC' });
    await c.waitFor(() => c.channel('subscriptionResponse').length === 3);
    expect(c.channel('subscriptionResponse').map((f) => f['data'])).toEqual([
      { method: 'subscribe', subscription: { type: 'userFills', user, aggregateByTime: false } },
      { method: 'subscribe', subscription: { type: 'clearinghouseState', user, dex: '' } },
      { method: 'subscribe', subscription: { type: 'trades', coin: 'BTC' } },
    ]);
    const m = c.mark();
    c.send({ method: 'unsubscribe', subscription: { type: 'userFills', user: mixed } });
    const ack = await c.waitChannel('subscriptionResponse', m);
    expect(ack['data']).toEqual({
      method: 'unsubscribe',
      subscription: { type: 'userFills', user, aggregateByTime: false },
    });
    c.send({ method: 'unsubscribe', subscription: { type: 'userFills', user } });
    await c.waitFor(
      isErr(`Already unsubscribed: {"type":"userFills","user":"${user}","aggregateByTime":false}`),
      m,
    );
  });

  it('answers ping with a pong frame that has no data field', async () => {
    const s = await start();
    const c = await connect(s);
    c.send({ method: 'ping' });
    const f = await c.waitChannel('pong');
    expect(f).toEqual({ channel: 'pong' });
    expect('data' in f).toBe(false);
  });

  it('sends a snapshot on every (re)subscribe and live pushes without isSnapshot', async () => {
    const s = await start({ limits: { snapshotFills: 5 } });
    s.step(60);
    const user = s.accounts[0] as string;
    const c = await connect(s);
    c.subscribe({ type: 'userFills', user });
    const snap = await c.waitChannel('userFills');
    const data = snap['data'] as { isSnapshot?: boolean; user: string; fills: { tid: number }[] };
    expect(data.isSnapshot).toBe(true);
    expect(data.user).toBe(user);
    const truth = s.groundTruth.fills(user);
    expect(data.fills.length).toBe(Math.min(5, truth.length));
    expect(data.fills.map((f) => f.tid)).toEqual(
      truth
        .slice(-5)
        .reverse()
        .map((f) => f.tid),
    );
    // live
    let m = c.mark();
    for (let i = 0; i < 50 && s.groundTruth.fills(user).length === truth.length; i++) s.step(1);
    const live = (await c.waitChannel('userFills', m))['data'] as Record<string, unknown>;
    expect('isSnapshot' in live).toBe(false);
    expect(live['user']).toBe(user);
    // resubscribe -> a fresh snapshot
    c.send({ method: 'unsubscribe', subscription: { type: 'userFills', user } });
    await c.waitChannel('subscriptionResponse', m);
    m = c.mark();
    c.subscribe({ type: 'userFills', user });
    const again = (await c.waitChannel('userFills', m))['data'] as Record<string, unknown>;
    expect(again['isSnapshot']).toBe(true);
  });

  it('rejects a duplicate subscription on one connection with "Already subscribed"', async () => {
    const s = await start();
    const c = await connect(s);
    const user = s.accounts[0] as string;
    c.subscribe({ type: 'userFills', user });
    c.subscribe({ type: 'userFills', user, aggregateByTime: false });
    await c.waitFor(
      isErr(`Already subscribed: {"type":"userFills","user":"${user}","aggregateByTime":false}`),
    );
    // another connection may hold the same subscription
    const d = await connect(s);
    d.subscribe({ type: 'userFills', user });
    await d.waitChannel('subscriptionResponse');
  });

  it('rejects webData2 and unknown types with the parse error', async () => {
    const s = await start();
    const c = await connect(s);
    const req = JSON.stringify({
      method: 'subscribe',
      subscription: { type: 'webData2', user: s.accounts[0] },
    });
    c.send(req);
    await c.waitFor(isErr(`Error parsing JSON into valid websocket request: ${req}`));
    c.send('not json');
    await c.waitFor(isErr('Error parsing JSON into valid websocket request: not json'));
  });
});

describe('per-IP limits', () => {
  it('caps unique users per IP, echoes nothing, allows a held user on another connection, scopes by IP', async () => {
    const s = await start({ limits: { maxUsersPerIp: 3 } });
    const [u0, u1, u2, u3] = s.accounts as readonly string[] as [string, string, string, string];
    const a = await connect(s, '127.0.0.1');
    for (const u of [u0, u1, u2]) a.subscribe({ type: 'userFills', user: u });
    a.subscribe({ type: 'userEvents', user: u0 }); // same user again: no new slot
    await a.waitFor(() => a.channel('subscriptionResponse').length === 4);
    a.subscribe({ type: 'userFills', user: u3 });
    const err = await a.waitChannel('error');
    expect(err).toEqual({ channel: 'error', data: 'Cannot track more than 3 total users.' });
    const b = await connect(s, '127.0.0.1');
    b.subscribe({ type: 'userFills', user: u3 });
    await b.waitFor(isErr('Cannot track more than 3 total users.'));
    b.subscribe({ type: 'clearinghouseState', user: u1 });
    await b.waitChannel('subscriptionResponse');
    const other = await connect(s, '127.0.0.2');
    other.subscribe({ type: 'userFills', user: u3 });
    await other.waitChannel('subscriptionResponse');
    // slots are released when the holder closes
    a.close();
    b.close();
    await until(
      () => !s.connections().some((x) => x.ip === '127.0.0.1'),
      3000,
      'the server to see both 127.0.0.1 connections close',
    );
    const again = await connect(s, '127.0.0.1');
    again.subscribe({ type: 'userFills', user: u3 });
    await again.waitChannel('subscriptionResponse');
  });

  it('caps subscriptions per IP and inbound messages per window', async () => {
    const s = await start({ limits: { maxSubscriptionsPerIp: 2, maxMessagesPerWindow: 6 } });
    const c = await connect(s, '127.0.0.3');
    c.subscribe({ type: 'trades', coin: 'BTC' });
    c.subscribe({ type: 'trades', coin: 'ETH' });
    c.subscribe({ type: 'trades', coin: 'SOL' });
    await c.waitFor(isErr('Cannot subscribe to more than 2 channels.'));
    for (let i = 0; i < 4; i++) c.send({ method: 'ping' });
    await c.waitFor(isErr('Cannot send more than 6 messages per minute.'));
    expect(c.channel('pong').length).toBe(3);
  });

  it('closes connections over the per-IP cap with 1008 and refuses upgrades over the per-window budget', async () => {
    const s = await start({ limits: { maxConnectionsPerIp: 2, maxNewConnectionsPerWindow: 4 } });
    await connect(s, '127.0.0.4');
    await connect(s, '127.0.0.4');
    const third = await connect(s, '127.0.0.4');
    expect(await third.closed).toEqual({ code: 1008, reason: 'Cannot open more than 2 connections.' });
    await connect(s, '127.0.0.5'); // other IP unaffected
    const fourth = await connect(s, '127.0.0.4');
    await fourth.closed;
    await expect(TestClient.connect(s.wsUrl, '127.0.0.4')).rejects.toThrow(/429/);
  });
});

describe('server-initiated closes', () => {
  it('closes an idle connection after idleTimeoutMs', async () => {
    const s = await start({ limits: { idleTimeoutMs: 150 } });
    const c = await connect(s);
    const t0 = Date.now();
    const { code } = await c.closed;
    expect(code).toBe(1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('closes every connection with 1000 "Expired" after expireAfterMs, even when active', async () => {
    const s = await start({ expireAfterMs: 300 });
    const c = await connect(s);
    const timer = setInterval(() => c.send({ method: 'ping' }), 50);
    try {
      expect(await c.closed).toEqual({ code: 1000, reason: 'Expired' });
    } finally {
      clearInterval(timer);
    }
    expect(c.channel('pong').length).toBeGreaterThan(1);
  });
});

describe('live feeds', () => {
  it('aggregateByTime:true merges the partial fills of one taker order; sizes still add up', async () => {
    const s = await start({ accounts: 1, eventsPerBlock: 4 });
    const user = s.accounts[0] as string;
    const raw = await connect(s);
    const agg = await connect(s);
    raw.subscribe({ type: 'userFills', user });
    agg.subscribe({ type: 'userFills', user, aggregateByTime: true });
    await raw.waitChannel('userFills');
    await agg.waitChannel('userFills');
    s.step(80);
    await delivered(s, [raw, agg]);
    type F = { oid: number; time: number; crossed: boolean; sz: string; side: string };
    const live = (c: TestClient): F[] =>
      c.channel('userFills').flatMap((f) => {
        const d = f['data'] as { isSnapshot?: boolean; fills: F[] };
        return d.isSnapshot ? [] : d.fills;
      });
    const r = live(raw);
    const a = live(agg);
    expect(a.length).toBeLessThan(r.length);
    const takerKeys = a.filter((f) => f.crossed).map((f) => `${f.oid}|${f.time}`);
    expect(new Set(takerKeys).size).toBe(takerKeys.length);
    const net = (fs: F[]): string =>
      decStr(fs.reduce((n, f) => (f.side === 'B' ? n.plus(dec(f.sz)) : n.minus(dec(f.sz))), ZERO));
    expect(net(a)).toBe(net(r));
  });

  it('pushes userEvents and orderUpdates without a user field, and clearinghouseState when positions change', async () => {
    const s = await start({ accounts: 1 });
    const user = s.accounts[0] as string;
    const c = await connect(s);
    c.subscribe({ type: 'userEvents', user });
    c.subscribe({ type: 'orderUpdates', user });
    c.subscribe({ type: 'clearinghouseState', user });
    await c.waitFor(() => c.channel('subscriptionResponse').length === 3);
    expect(c.channel('clearinghouseState')).toHaveLength(1); // snapshot
    expect(c.channel('user')).toHaveLength(0); // no replay for userEvents
    s.step(30);
    await delivered(s, [c]);
    const ev = c.channel('user');
    expect(ev.length).toBeGreaterThan(0);
    for (const f of ev) expect('user' in (f['data'] as object)).toBe(false);
    expect(c.channel('orderUpdates').length).toBeGreaterThan(0);
    expect(c.channel('clearinghouseState').length).toBeGreaterThan(1);
  });
});
