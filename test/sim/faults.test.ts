/**
 * Each injected fault does what it says on a real socket: drop (1006) by user / IP / id, silent
 * stall and recovery, latency, duplicate, reorder, malformed frames, info 429/5xx, refused
 * connections, and pause / step control — programmatically and through the control API.
 */
import { describe, expect, it } from 'vitest';
import type { ConnectionInfo, Simulator } from '../../src/sim/index.js';
import { ManualClock, until } from '../kit/index.js';
import { TestClient, delivered, postInfo, simFixture } from './helpers.js';

const { start, connect } = simFixture({ seed: 11, accounts: 3, tickMs: 0 });

/** A client subscribed to the tape of every simulated coin, so every block sends data frames. */
async function tapeClient(s: Simulator, ip?: string): Promise<TestClient> {
  const c = await connect(s, ip);
  for (const coin of ['BTC', 'ETH', 'SOL', 'xyz:TSLA', 'xyz:NVDA', '@107', 'PURR/USDC', '#118440'])
    c.subscribe({ type: 'trades', coin });
  await c.waitFor(() => c.channel('subscriptionResponse').length === 8);
  return c;
}

async function control(
  s: Simulator,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const r = await fetch(
    `${s.controlUrl}/${path}`,
    body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
  );
  return { status: r.status, body: await r.json() };
}

describe('connection faults', () => {
  it('drops connections with 1006, selected by user, by IP, by id, or all', async () => {
    const s = await start();
    const [u0, u1] = s.accounts as readonly string[] as [string, string];
    const a = await connect(s, '127.0.0.1');
    const b = await connect(s, '127.0.0.2');
    const c = await connect(s, '127.0.0.3');
    const d = await connect(s, '127.0.0.3');
    a.subscribe({ type: 'userFills', user: u0 });
    b.subscribe({ type: 'userFills', user: u1 });
    await a.waitChannel('subscriptionResponse');
    await b.waitChannel('subscriptionResponse');
    expect(s.faults.drop({ user: u0.toUpperCase().replace('0X', '0x') })).toBe(1);
    expect((await a.closed).code).toBe(1006);
    expect(s.faults.drop({ ip: '127.0.0.2' })).toBe(1);
    expect((await b.closed).code).toBe(1006);
    const id = s.connections().find((x) => x.ip === '127.0.0.3')?.id as string;
    expect(s.faults.drop({ connId: id })).toBe(1);
    await until(() => s.connections().length === 1, 3000, 'the dropped connection to leave the list');
    expect(s.faults.drop()).toBe(1);
    const closes = await Promise.all([c.closed, d.closed]);
    expect(closes.map((x) => x.code)).toEqual([1006, 1006]);
  });

  it('stalls silently (no data, no pong, socket open) and recovers when cleared or after the duration', async () => {
    const clock = new ManualClock();
    const s = await start({}, { clock });
    const c = await tapeClient(s);
    const conn = () => s.connections()[0] as ConnectionInfo;
    s.faults.stall({ all: true });
    expect(conn().state).toBe('stalled');
    let m = c.mark();
    c.send({ method: 'ping' });
    await until(() => conn().messagesIgnored === 1, 3000, 'the stalled server to ignore the ping');
    s.step(3);
    expect(conn().framesDropped).toBeGreaterThan(0); // the blocks' data frames were swallowed
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    s.faults.unstall();
    c.send({ method: 'ping' });
    await c.waitChannel('pong', m);
    // frames on one socket arrive in order: nothing sent during the stall came before this pong
    expect(c.frames.slice(m).map((f) => (f.json as { channel: string }).channel)).toEqual(['pong']);
    s.faults.stall(undefined, { durationMs: 100 });
    expect(conn().state).toBe('stalled');
    clock.advance(150);
    expect(conn().state).toBe('open');
    m = c.mark();
    c.send({ method: 'ping' });
    await c.waitChannel('pong', m);
  });

  it('delays outbound frames by the configured latency, keeping order', async () => {
    const s = await start();
    const c = await connect(s);
    s.faults.latency({ all: true }, 200);
    const t0 = Date.now();
    c.send({ method: 'ping' });
    c.subscribe({ type: 'trades', coin: 'BTC' });
    await c.waitFor(() => c.frames.length >= 2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
    expect(c.frames.map((f) => (f.json as { channel: string }).channel)).toEqual([
      'pong',
      'subscriptionResponse',
    ]);
  });

  it('duplicates and reorders data frames', async () => {
    const s = await start();
    const c = await tapeClient(s);
    s.faults.duplicate({ all: true }, 1);
    let m = c.mark();
    s.step(1);
    await delivered(s, [c]);
    const raws = c.frames.slice(m).map((f) => f.raw);
    expect(raws.length).toBeGreaterThanOrEqual(2);
    expect(raws[0]).toBe(raws[1]);

    s.faults.reorder({ all: true }, 1);
    m = c.mark();
    const sent = () => (s.connections()[0] as { framesSent: number }).framesSent;
    const sent0 = sent();
    // the held frame leaves with the next one: step until two frames have gone out
    for (let blocks = 0; sent() - sent0 < 2 && blocks < 5; blocks++) s.step(1);
    await delivered(s, [c]);
    expect(c.frames.length - m).toBeGreaterThanOrEqual(2);
    // The held first frame arrives after the one that followed it. Without the fault frames come
    // in (block time, subscription order); compare against that order.
    const order = ['BTC', 'ETH', 'SOL', 'xyz:TSLA', 'xyz:NVDA', '@107', 'PURR/USDC', '#118440'];
    const keys = c.frames.slice(m).map((f) => {
      const t = (f.json as { data: { coin: string; time: number }[] }).data[0] as {
        coin: string;
        time: number;
      };
      return t.time * 100 + order.indexOf(t.coin);
    });
    const expected = [...keys].sort((x, y) => x - y);
    expect(keys).not.toEqual(expected);
    expect(keys.slice(2)).toEqual(expected.slice(2));
    expect([keys[1], keys[0]]).toEqual(expected.slice(0, 2));
  });

  it('sends malformed frames: invalid JSON, wrong types, bad decimals', async () => {
    const s = await start();
    const c = await tapeClient(s);
    for (const kind of ['invalid-json', 'wrong-types', 'bad-decimal'] as const) {
      s.faults.malform({ all: true }, kind, 1);
      const m = c.mark();
      s.step(1);
      const f = await c.waitFor(() => true, m);
      if (kind === 'invalid-json') expect(f.json).toBeUndefined();
      else {
        const t = (f.json as { data: Record<string, unknown>[] }).data[0] as Record<string, unknown>;
        if (kind === 'wrong-types') {
          expect(typeof t['px']).toBe('number');
          expect(typeof t['tid']).toBe('string');
        } else expect(t['px']).toBe('1e5');
      }
      await delivered(s, [c]); // the rest of this block, so m2 marks the next one
      // only one frame was damaged: the next block is clean
      const m2 = c.mark();
      s.step(1);
      const ok = await c.waitFor(() => true, m2);
      expect(ok.json).toBeDefined();
    }
  });

  it('refuses new connections while told to, then accepts again', async () => {
    const clock = new ManualClock();
    const s = await start({}, { clock });
    s.faults.refuseConnections();
    await expect(TestClient.connect(s.wsUrl)).rejects.toThrow(/503/);
    s.faults.acceptConnections();
    await connect(s);
    s.faults.refuseConnections({ durationMs: 100 });
    await expect(TestClient.connect(s.wsUrl)).rejects.toThrow(/503/);
    clock.advance(120);
    await connect(s);
  });
});

describe('info faults', () => {
  it('answers the next N info requests with the chosen status, or for a duration', async () => {
    const clock = new ManualClock();
    const s = await start({}, { clock });
    s.faults.infoError({ status: 429, count: 2 });
    const req = { type: 'meta' };
    expect((await postInfo(s.infoUrl, req)).status).toBe(429);
    expect((await postInfo(s.infoUrl, req)).status).toBe(429);
    expect((await postInfo(s.infoUrl, req)).status).toBe(200);
    s.faults.infoError({ status: 502, durationMs: 100 });
    expect((await postInfo(s.infoUrl, req)).status).toBe(502);
    expect((await postInfo(s.infoUrl, req)).status).toBe(502);
    clock.advance(120);
    expect((await postInfo(s.infoUrl, req)).status).toBe(200);
  });
});

describe('market control and the control API', () => {
  it('pauses the ticker, steps manually, resumes', async () => {
    const clock = new ManualClock();
    const s = await start({ tickMs: 20, paused: true }, { clock });
    clock.advance(80);
    expect(s.blockHeight()).toBe(0);
    s.step(2);
    expect(s.blockHeight()).toBe(2);
    s.resume();
    clock.advance(120);
    expect(s.blockHeight()).toBe(2 + 6);
    s.pause();
    clock.advance(80);
    expect(s.blockHeight()).toBe(8);
  });

  it('drives faults, steps and state over HTTP', async () => {
    const s = await start();
    const c = await connect(s, '127.0.0.9');
    c.subscribe({ type: 'userFills', user: s.accounts[0] });
    await c.waitChannel('subscriptionResponse');
    const step = await control(s, 'step', { n: 3 });
    expect(step.status).toBe(200);
    expect((step.body as { blocks: unknown[] }).blocks).toHaveLength(3);
    const state = (await control(s, 'state')).body as {
      blockHeight: number;
      connections: { ip: string; subscriptions: unknown[] }[];
    };
    expect(state.blockHeight).toBe(3);
    expect(state.connections).toEqual([
      expect.objectContaining({
        ip: '127.0.0.9',
        subscriptions: [expect.objectContaining({ type: 'userFills' })],
      }),
    ]);
    const gt = (await control(s, `ground-truth?user=${s.accounts[0] as string}`)).body as {
      users: Record<string, { fills: unknown[] }>;
    };
    expect(gt.users[s.accounts[0] as string]?.fills.length).toBe(
      s.groundTruth.fills(s.accounts[0] as string).length,
    );
    const bad = await control(s, 'faults', { action: 'explode' });
    expect(bad.status).toBe(400);
    const drop = await control(s, 'faults', { action: 'drop', selector: { ip: '127.0.0.9' } });
    expect(drop.body).toEqual({ touched: 1 });
    expect((await c.closed).code).toBe(1006);
    expect((await control(s, 'pause', {})).body).toEqual({ paused: true });
    expect(s.isPaused()).toBe(true);
  });
});
