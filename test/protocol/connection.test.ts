import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { must } from './must.js';
import { AbortedError, BudgetError, SourceError, systemClock } from '../../src/core/index.js';
import type { ConnectionEvents, HlWsConnectionOptions, SocketConstructor } from '../../src/protocol/index.js';
import { EgressBudget, HlWsConnection, TradesFastPath } from '../../src/protocol/index.js';
import { FakeWebSocket } from '../kit/index.js';

const U1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const U2 = '0x31ca8395cf837de08b24da3f660e77761dfb974b';

const tick = async (ms = 0): Promise<void> => {
  await vi.advanceTimersByTimeAsync(ms);
};

type Rec = { [K in keyof ConnectionEvents]: ConnectionEvents[K][] };

function setup(over: Partial<HlWsConnectionOptions> = {}, budget = new EgressBudget({ clock: systemClock })) {
  const conn = new HlWsConnection({
    url: 'ws://fake/ws',
    id: 'c1',
    budget,
    WebSocket: FakeWebSocket as unknown as SocketConstructor,
    heartbeat: { intervalMs: 30_000, timeoutMs: 10_000 },
    stall: false,
    reconnect: {
      policy: { initialDelayMs: 1000, maxDelayMs: 8000, factor: 2, maxAttempts: Infinity, jitter: 0 },
      expiredDelayMs: 0,
    },
    subscribeRatePerSec: 10,
    ackTimeoutMs: 5000,
    ...over,
  });
  const rec = {} as Rec;
  const names: (keyof ConnectionEvents)[] = [
    'state',
    'connecting',
    'open',
    'close',
    'reconnectScheduled',
    'pong',
    'subscribed',
    'unsubscribed',
    'frame',
    'deadLetter',
    'serverError',
    'error',
    'subscribeFailed',
  ];
  for (const n of names) {
    (rec as Record<string, unknown[]>)[n] = [];
    conn.on(n, (p) => must((rec as Record<string, unknown[]>)[n]).push(p));
  }
  return { conn, rec, budget };
}

async function started(over: Partial<HlWsConnectionOptions> = {}, budget?: EgressBudget) {
  const s = setup(over, budget);
  s.conn.start();
  await tick();
  FakeWebSocket.last().open();
  return s;
}

function ack(ws: FakeWebSocket, subscription: Record<string, unknown>, method = 'subscribe'): void {
  ws.emit({ channel: 'subscriptionResponse', data: { method, subscription } });
}

describe('HlWsConnection', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.instances = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('connects, passes frames on and dead-letters the non-JSON greeting', async () => {
    const { conn, rec } = await started();
    expect(conn.state).toBe('open');
    const ws = FakeWebSocket.last();
    ws.emit('Websocket connection established.');
    ws.emit({ channel: 'trades', data: [] });
    expect(rec.deadLetter.map((d) => d.reason)).toEqual(['invalid_json']);
    expect(rec.frame.map((f) => f.channel)).toEqual(['trades']);
    await conn.close();
  });

  it('pings every interval; a pong reports latency; no pong within the bound forces a reconnect', async () => {
    const { conn, rec } = await started();
    const ws = FakeWebSocket.last();
    await tick(30_000);
    expect(ws.sent).toEqual(['{"method":"ping"}']);
    await tick(120);
    ws.emit({ channel: 'pong' });
    expect(rec.pong).toEqual([{ latencyMs: 120 }]);
    await tick(29_880);
    expect(ws.sent.length).toBe(2);
    await tick(9_999);
    expect(ws.terminated).toBe(false);
    await tick(1);
    expect(ws.terminated).toBe(true);
    await tick(1); // rws schedules its reconnect with setTimeout(0)
    expect(rec.reconnectScheduled.at(-1)).toMatchObject({ reason: 'heartbeat_timeout', delayMs: 1000 });
    await tick(1000);
    expect(FakeWebSocket.instances.length).toBe(2);
    await conn.close();
  });

  it('stall watchdog: connected but silent for N ms -> reconnect with reason stall', async () => {
    const { conn, rec } = await started({ heartbeat: false, stall: { timeoutMs: 5000 } });
    const ws = FakeWebSocket.last();
    await tick(3000);
    ws.emit({ channel: 'trades', data: [] });
    await tick(4999);
    expect(ws.terminated).toBe(false);
    await tick(1);
    expect(ws.terminated).toBe(true);
    expect(rec.close.at(-1)?.cause).toBe('stall');
    await tick(1);
    expect(rec.reconnectScheduled.at(-1)?.reason).toBe('stall');
    await conn.close();
  });

  it('backoff grows exponentially to the cap and never gives up', async () => {
    const { conn, rec } = setup();
    conn.start();
    await tick();
    for (let i = 0; i < 6; i++) {
      FakeWebSocket.last().drop(1006);
      await tick();
      const d = must(rec.reconnectScheduled.at(-1)).delayMs;
      await tick(d);
    }
    expect(rec.reconnectScheduled.map((r) => r.delayMs)).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(rec.reconnectScheduled.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(FakeWebSocket.instances.length).toBe(7);
    await conn.close();
  });

  it('Expired close (1000) is routine rotation: reason expired, prompt, still counted in the budget', async () => {
    const { conn, rec, budget } = await started();
    expect(budget.usage().newConnectionsInWindow).toBe(1);
    FakeWebSocket.last().drop(1000, 'Expired');
    expect(rec.close.at(-1)).toMatchObject({ code: 1000, reason: 'Expired', cause: 'expired' });
    await tick();
    expect(rec.reconnectScheduled.at(-1)).toMatchObject({ reason: 'expired', delayMs: 0 });
    await tick();
    expect(FakeWebSocket.instances.length).toBe(2);
    expect(budget.usage().newConnectionsInWindow).toBe(2);
    await conn.close();
  });

  it('waits for a new-connection slot instead of failing when that budget is exhausted', async () => {
    const budget = new EgressBudget({ limits: { maxNewConnectionsPerWindow: 2 }, clock: systemClock });
    const { conn, rec } = await started({}, budget);
    FakeWebSocket.last().drop(1000, 'Expired');
    await tick();
    FakeWebSocket.last().open();
    FakeWebSocket.last().drop(1000, 'Expired');
    await tick();
    expect(FakeWebSocket.instances.length).toBe(2);
    const wait = must(rec.reconnectScheduled.at(-1));
    expect(wait.reason).toBe('budget');
    expect(rec.error.at(-1)?.error).toBeInstanceOf(BudgetError);
    await tick(wait.delayMs - 1);
    expect(FakeWebSocket.instances.length).toBe(2);
    await tick(1);
    expect(FakeWebSocket.instances.length).toBe(3);
    await conn.close();
  });

  it('acks match loosely (case-insensitive subset of the normalized echo) and resubscribe on every reconnect', async () => {
    const { conn, rec } = await started();
    const p = conn.subscribe({ type: 'userFills', user: U1 });
    await tick();
    const ws = FakeWebSocket.last();
    expect(ws.messages()[0]).toEqual({
      method: 'subscribe',
      subscription: { type: 'userFills', user: U1.toLowerCase(), aggregateByTime: false },
    });
    // an unrelated ack does not resolve it
    ack(ws, { type: 'userFills', user: U2, aggregateByTime: false });
    ack(ws, {
      type: 'userFills',
      user: U1.toUpperCase().replace('0X', '0x'),
      aggregateByTime: false,
      extra: 1,
    });
    await expect(p).resolves.toBeUndefined();
    expect(rec.subscribed).toMatchObject([{ resubscribe: false }]);
    ws.drop(1006);
    await tick(1000);
    const ws2 = FakeWebSocket.last();
    expect(ws2).not.toBe(ws);
    ws2.open();
    await tick();
    expect(ws2.messages().map((m) => m.method)).toEqual(['subscribe']);
    ack(ws2, { type: 'userFills', user: U1.toLowerCase(), aggregateByTime: false });
    expect(rec.subscribed.at(-1)).toMatchObject({ resubscribe: true });
    expect(conn.subscriptions()[0]?.active).toBe(true);
    await conn.close();
  });

  it('reports a resubscribe that failed after a reconnect (no caller waits on it), and subscribe() sends it again', async () => {
    const { conn, rec } = await started();
    const a = conn.subscribe({ type: 'userFills', user: U1 });
    const b = conn.subscribe({ type: 'userFills', user: U2 });
    await tick(300);
    const ws = FakeWebSocket.last();
    ack(ws, { type: 'userFills', user: U1.toLowerCase(), aggregateByTime: false });
    ack(ws, { type: 'userFills', user: U2.toLowerCase(), aggregateByTime: false });
    await Promise.all([a, b]);
    ws.drop(1006);
    await tick(1000);
    const ws2 = FakeWebSocket.last();
    ws2.open();
    await tick(300);
    // U1's resubscribe is refused by the user cap; U2's ack never comes.
    ws2.emit({ channel: 'error', data: 'Cannot track more than 1 total users.' });
    await tick(5000);
    expect(
      rec.subscribeFailed.map((f) => [f.key.includes(U1.toLowerCase()) ? 'U1' : 'U2', f.dropped]),
    ).toEqual([
      ['U1', true],
      ['U2', false],
    ]);
    expect(rec.subscribeFailed[0]?.error.code).toBe('SOURCE_USER_CAP');
    expect(conn.subscriptions().map((x) => x.active)).toEqual([false]); // U2 kept, inactive
    // Trying again sends both: U1 anew, U2 because it is registered but not on its way.
    const sentBefore = ws2.messages().length;
    const again = [
      conn.subscribe({ type: 'userFills', user: U1 }),
      conn.subscribe({ type: 'userFills', user: U2 }),
    ];
    await tick(300);
    expect(
      ws2
        .messages()
        .slice(sentBefore)
        .map((m) => m.subscription?.['user']),
    ).toEqual([U1.toLowerCase(), U2.toLowerCase()]);
    // A subscribe already on its way is not sent twice.
    again.push(conn.subscribe({ type: 'userFills', user: U2 }));
    await tick(300);
    expect(ws2.messages().length).toBe(sentBefore + 2);
    ack(ws2, { type: 'userFills', user: U1.toLowerCase(), aggregateByTime: false });
    ack(ws2, { type: 'userFills', user: U2.toLowerCase(), aggregateByTime: false });
    await Promise.all(again);
    expect(conn.subscriptions().every((x) => x.active)).toBe(true);
    await conn.close();
  });

  it('a re-sent resubscribe that times out again rejects its caller and stays registered', async () => {
    const { conn, rec } = await started();
    const a = conn.subscribe({ type: 'userFills', user: U1 });
    await tick(300);
    ack(FakeWebSocket.last(), { type: 'userFills', user: U1.toLowerCase(), aggregateByTime: false });
    await a;
    FakeWebSocket.last().drop(1006);
    await tick(1000);
    FakeWebSocket.last().open();
    await tick(5300); // the resubscribe's ack never comes
    expect(rec.subscribeFailed).toHaveLength(1);
    const again = conn.subscribe({ type: 'userFills', user: U1 });
    const assertion = expect(again).rejects.toMatchObject({ code: 'SOURCE_SUBSCRIBE' });
    await tick(5300);
    await assertion;
    expect(rec.subscribeFailed).toHaveLength(2);
    expect(conn.subscriptions()).toMatchObject([{ active: false }]);
    await conn.close();
  });

  it('paces (re)subscribes at the configured rate', async () => {
    const { conn } = await started({ subscribeRatePerSec: 5 });
    const coins = ['BTC', 'ETH', 'SOL', 'HYPE', 'xyz:TSLA'];
    for (const coin of coins) void conn.subscribe({ type: 'trades', coin }).catch(() => undefined);
    const ws = FakeWebSocket.last();
    await tick();
    expect(ws.sent.length).toBe(1);
    await tick(199);
    expect(ws.sent.length).toBe(1);
    await tick(1);
    expect(ws.sent.length).toBe(2);
    await tick(600);
    expect(ws.messages().map((m) => m.subscription?.['coin'])).toEqual(coins);
    await conn.close();
  });

  it('holds paced subscribes while the message budget is full, then sends them in order', async () => {
    const budget = new EgressBudget({
      limits: { maxMessagesPerWindow: 2, windowMs: 1000 },
      clock: systemClock,
    });
    const { conn, rec } = await started({ subscribeRatePerSec: 10 }, budget);
    const coins = ['BTC', 'ETH', 'SOL'];
    for (const coin of coins) void conn.subscribe({ type: 'trades', coin }).catch(() => undefined);
    const ws = FakeWebSocket.last();
    await tick(250);
    expect(ws.messages().map((m) => m.subscription?.['coin'])).toEqual(['BTC', 'ETH']);
    expect(rec.error.map((e) => e.error.code)).toContain('SOURCE_MESSAGE_RATE');
    await tick(1000);
    expect(ws.messages().map((m) => m.subscription?.['coin'])).toEqual(coins);
    await conn.close();
  });

  it('ack timeout rejects with a typed error and frees the budget', async () => {
    const { conn, budget } = await started();
    const p = conn.subscribe({ type: 'trades', coin: 'BTC' });
    const assertion = expect(p).rejects.toMatchObject({ code: 'SOURCE_SUBSCRIBE' });
    await tick(5000);
    await assertion;
    expect(budget.usage().subscriptions).toBe(0);
    await conn.close();
  });

  it('the user-cap error (no echo) fails the oldest pending user-specific subscribe with SOURCE_USER_CAP', async () => {
    const { conn, rec, budget } = await started();
    const t = conn.subscribe({ type: 'trades', coin: 'BTC' });
    const a = conn.subscribe({ type: 'userFills', user: U1 });
    const b = conn.subscribe({ type: 'userFills', user: U2 });
    await tick(300);
    const ws = FakeWebSocket.last();
    ws.emit({ channel: 'error', data: 'Cannot track more than 10 total users.' });
    await expect(a).rejects.toBeInstanceOf(SourceError);
    await expect(a).rejects.toMatchObject({
      code: 'SOURCE_USER_CAP',
      message: expect.stringMatching(/unique-user cap \(10\)/),
    });
    expect(rec.serverError[0]).toMatchObject({ kind: 'user_cap' });
    expect(budget.usage().users).toBe(1);
    ack(ws, { type: 'userFills', user: U2.toLowerCase(), aggregateByTime: false });
    ack(ws, { type: 'trades', coin: 'BTC' });
    await expect(b).resolves.toBeUndefined();
    await expect(t).resolves.toBeUndefined();
    // with nothing pending it surfaces as a connection-level error
    ws.emit({ channel: 'error', data: 'Cannot track more than 10 total users.' });
    expect(rec.error.at(-1)?.error.code).toBe('SOURCE_USER_CAP');
    await conn.close();
  });

  it('client-side budget refuses the 11th user with a clear BudgetError before sending anything', async () => {
    const budget = new EgressBudget({ limits: { maxUsers: 1 }, clock: systemClock });
    const { conn } = await started({}, budget);
    void conn.subscribe({ type: 'userFills', user: U1 }).catch(() => undefined);
    // a second subscription for a user already counted needs no new user slot
    void conn.subscribe({ type: 'clearinghouseState', user: U1 }).catch(() => undefined);
    const err = await conn.subscribe({ type: 'userFills', user: U2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetError);
    expect((err as BudgetError).code).toBe('SOURCE_USER_CAP');
    await tick(500);
    expect(
      FakeWebSocket.last()
        .messages()
        .every((m) => m.subscription?.['user'] === U1.toLowerCase()),
    ).toBe(true);
    await conn.close();
  });

  it('Already subscribed resolves the pending subscribe; Invalid subscription rejects it', async () => {
    const { conn, rec } = await started();
    const a = conn.subscribe({ type: 'trades', coin: 'BTC' });
    const b = conn.subscribe({ type: 'trades', coin: 'NOPE' });
    await tick(200);
    const ws = FakeWebSocket.last();
    ws.emit({ channel: 'error', data: 'Already subscribed: {"type":"trades","coin":"BTC"}' });
    ws.emit({ channel: 'error', data: 'Invalid subscription {"type":"trades","coin":"NOPE"}' });
    await expect(a).resolves.toBeUndefined();
    await expect(b).rejects.toMatchObject({ code: 'SOURCE_SUBSCRIBE' });
    expect(rec.serverError.map((e) => e.kind)).toEqual(['already_subscribed', 'invalid_subscription']);
    ws.emit({ channel: 'error', data: 'Cannot send more than 2000 messages per minute.' });
    expect(rec.error.at(-1)?.error.code).toBe('SOURCE_MESSAGE_RATE');
    await conn.close();
  });

  it('unsubscribe sends the normalized body and resolves on its ack', async () => {
    const { conn, budget } = await started();
    const p = conn.subscribe({ type: 'userFills', user: U1 });
    await tick();
    const ws = FakeWebSocket.last();
    ack(ws, { type: 'userFills', user: U1.toLowerCase(), aggregateByTime: false });
    await p;
    const u = conn.unsubscribe({ type: 'userFills', user: U1.toLowerCase(), aggregateByTime: false });
    await tick(100);
    expect(ws.messages().at(-1)?.method).toBe('unsubscribe');
    ack(ws, { type: 'userFills', user: U1.toLowerCase(), aggregateByTime: false }, 'unsubscribe');
    await expect(u).resolves.toBeUndefined();
    expect(budget.usage()).toMatchObject({ users: 0, subscriptions: 0 });
    await conn.close();
  });

  it('close() is idempotent, fails waiters and releases the budget', async () => {
    const { conn, budget } = await started();
    const p = conn.subscribe({ type: 'trades', coin: 'BTC' });
    const c1 = conn.close();
    expect(conn.close()).toBe(c1);
    await c1;
    await expect(p).rejects.toBeInstanceOf(AbortedError);
    expect(conn.state).toBe('closed');
    expect(budget.usage()).toMatchObject({ connections: 0, subscriptions: 0 });
    await tick(60_000);
    expect(FakeWebSocket.instances.length).toBe(1);
    await expect(conn.subscribe({ type: 'trades', coin: 'ETH' })).rejects.toBeInstanceOf(AbortedError);
  });

  it('start() refuses over the pool connection cap with a BudgetError', () => {
    const budget = new EgressBudget({ limits: { maxConnections: 1 }, clock: systemClock });
    setup({}, budget).conn.start();
    const second = setup({ id: 'c2' }, budget).conn;
    expect(() => second.start()).toThrow(/connection cap reached \(1\/1/);
  });

  it('onRawFrame consumes hot-path frames before parsing; other frames still parse', async () => {
    const raw: string[] = [];
    const { conn, rec } = await started({
      onRawFrame: (text) => {
        if (!TradesFastPath.isTradesFrame(text)) return false;
        raw.push(text);
        return true;
      },
    });
    const ws = FakeWebSocket.last();
    ws.emit('{"channel":"trades","data":[]}');
    ws.emit({ channel: 'pong' });
    expect(raw.length).toBe(1);
    expect(rec.frame.length).toBe(0);
    await conn.close();
  });

  it('passes agent/localAddress through to the socket constructor', async () => {
    const { conn } = await started({ localAddress: '127.0.0.2' });
    expect(FakeWebSocket.last().options).toMatchObject({ localAddress: '127.0.0.2' });
    await conn.close();
  });
});
