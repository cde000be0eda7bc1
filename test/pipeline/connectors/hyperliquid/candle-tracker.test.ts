/**
 * CandleTracker on a manual clock with a scripted candleSnapshot: a rollover on an unbroken
 * socket finalizes from the stream; a rollover after a break, a reconnect, and a quiet market
 * go to REST; finals are in order and once each; no WS final jumps over a running catch-up; a
 * failed catch-up is retried.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/core/index.js';
import type { Candle } from '../../../../src/protocol/index.js';
import { CandleTracker } from '../../../../src/pipeline/connectors/hyperliquid/candle-tracker.js';
import type { CandleVia } from '../../../../src/pipeline/connectors/hyperliquid/records.js';
import { ManualClock } from '../../../kit/index.js';

const M = 60_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % M);

const candle = (bucket: number, n: number, c = '100.0'): Candle => ({
  t: T0 + bucket * M,
  T: T0 + bucket * M + M - 1,
  s: 'BTC',
  i: '1m',
  o: '100.0',
  c,
  h: '101.0',
  l: '99.0',
  v: '1.0',
  n,
});

function setup(server: Candle[]) {
  const clock = new ManualClock(T0 + 1000);
  let epoch = 0;
  const finals: { t: number; n: number; via: CandleVia }[] = [];
  const fetches: { start: number; end: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  const errors: unknown[] = [];
  const tracker = new CandleTracker(
    {
      coin: 'BTC',
      interval: '1m',
      clock,
      logger: silentLogger,
      closeGraceMs: 1000,
      retryMs: 5000,
      epoch: () => epoch,
      fetch: (start, end) =>
        new Promise<readonly Candle[]>((resolve, reject) => {
          fetches.push({
            start,
            end,
            resolve: () => resolve(server.filter((c) => c.T >= start && c.t <= end)),
            reject,
          });
        }),
      emit: (c, via) => finals.push({ t: (c.t - T0) / M, n: c.n, via }),
      onError: (e) => errors.push(e),
    },
    clock.now(),
  );
  return {
    clock,
    tracker,
    finals,
    fetches,
    errors,
    drop: () => void epoch++,
    /** Answer the oldest open fetch and let its continuation run. */
    async answer(): Promise<void> {
      fetches.shift()?.resolve();
      await tracker.settled();
    },
  };
}

describe('CandleTracker', () => {
  it('finalizes from the stream on a rollover when the socket stayed up', () => {
    const s = setup([]);
    s.tracker.onPush(candle(0, 1));
    s.tracker.onPush(candle(0, 3));
    s.clock.advance(M - 1000); // the next bucket opens, before the quiet-market confirmation is due
    s.tracker.onPush(candle(1, 1));
    expect(s.finals).toEqual([{ t: 0, n: 3, via: 'ws' }]);
    expect(s.fetches).toEqual([]);
  });

  it('a rollover after a break goes to REST, which also returns the buckets missed entirely', async () => {
    const server = [candle(0, 5), candle(1, 2), candle(2, 4), candle(3, 1)];
    const s = setup(server);
    s.tracker.onPush(candle(0, 3));
    s.drop(); // socket closed; buckets 0 (rest of it), 1 and 2 happen while down
    s.clock.advance(3 * M + 100); // bucket 0's quiet-market confirmation starts a catch-up on the way
    s.tracker.onPush(candle(3, 1)); // and the rollover after the break asks for another
    expect(s.finals).toEqual([]);
    expect(s.fetches).toHaveLength(1);
    expect(s.fetches[0]?.start).toBe(T0);
    await s.answer();
    expect(s.fetches[0]?.start).toBe(T0 + 1); // after bucket 0, the last final
    await s.answer();
    expect(s.finals).toEqual([
      { t: 0, n: 5, via: 'candleSnapshot' },
      { t: 1, n: 2, via: 'candleSnapshot' },
      { t: 2, n: 4, via: 'candleSnapshot' },
    ]);
    // Bucket 3 is still forming; the next rollover on this (unbroken) socket closes it.
    s.clock.advance(M - 1100);
    s.tracker.onPush(candle(4, 1));
    expect(s.finals.at(-1)).toEqual({ t: 3, n: 1, via: 'ws' });
  });

  it('never emits a WS final while a catch-up runs; repeats the catch-up instead, in order', async () => {
    const server = [candle(0, 2), candle(1, 3), candle(2, 1)];
    const s = setup(server);
    s.tracker.onPush(candle(0, 1));
    s.tracker.catchUp(); // e.g. resubscribed after a reconnect
    s.clock.advance(M);
    s.tracker.onPush(candle(1, 3)); // rollover during the catch-up
    s.clock.advance(M);
    s.tracker.onPush(candle(2, 1)); // and another
    expect(s.finals).toEqual([]);
    await s.answer(); // the first catch-up (started at minute 0) only knows bucket 0 closed
    await s.answer(); // the repeat
    expect(s.finals.map((f) => f.t)).toEqual([0, 1]);
    expect(new Set(s.finals.map((f) => f.t)).size).toBe(s.finals.length);
  });

  it('confirms a quiet market’s candle over REST after close + grace', async () => {
    const s = setup([candle(0, 2)]);
    s.tracker.onPush(candle(0, 2));
    s.clock.advance(M - 1000 + 1000); // close time + grace
    expect(s.fetches).toHaveLength(1);
    await s.answer();
    expect(s.finals).toEqual([{ t: 0, n: 2, via: 'candleSnapshot' }]);
  });

  it('retries a failed catch-up after retryMs and reports the error', async () => {
    const s = setup([candle(0, 2)]);
    s.clock.advance(M + 1000);
    s.tracker.catchUp();
    s.fetches.shift()?.reject(new Error('HTTP 500'));
    await s.tracker.settled();
    expect(s.tracker.degraded).toBe(true);
    expect(s.errors).toHaveLength(1);
    expect(s.fetches).toHaveLength(0);
    s.clock.advance(5000);
    expect(s.fetches).toHaveLength(1);
    await s.answer();
    expect(s.tracker.degraded).toBe(false);
    expect(s.finals).toEqual([{ t: 0, n: 2, via: 'candleSnapshot' }]);
  });
});
