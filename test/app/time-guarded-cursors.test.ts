/**
 * A cursor dated past now + the allowed skew is never persisted and never resumed from: one
 * future-dated fill saved in Redis used to make every later real fill of its stream "stale",
 * across restarts.
 */
import { describe, expect, it } from 'vitest';
import { TimeGuardedCursorStore } from '../../src/app/time-guarded-cursors.js';
import { MemoryCursorStore } from '../../src/positions/index.js';
import type { Cursor } from '../../src/positions/index.js';
import { captureLogger } from '../core/capture-logger.js';
import { dec } from '../../src/core/index.js';
import type { PositionSource } from '../../src/positions/index.js';
import { USER, engineWith, fill } from '../positions/helpers.js';
import { ManualClock } from '../kit/index.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const cursor = (time: number): Cursor => ({ time, eventId: 'e', eventIdsAtTime: ['e'], position: '1' });

function guarded(inner = new MemoryCursorStore()) {
  const refused: string[] = [];
  const log = captureLogger();
  const store = new TimeGuardedCursorStore(inner, {
    clock: { now: () => NOW },
    logger: log,
    maxFutureSkewMs: 60_000,
    onRefused: (e) => refused.push(`${e.op}:${e.market}:${e.time}`),
  });
  return { store, inner, refused, log };
}

describe('TimeGuardedCursorStore', () => {
  it('persists ordinary cursors and refuses future-dated ones, keeping the previous cursor', async () => {
    const { store, inner, refused, log } = guarded();
    await store.set('inf', 'BTC', cursor(NOW - 10));
    await store.set('inf', 'BTC', cursor(NOW + 60_000)); // at the bound: fine
    expect((await inner.get('inf', 'BTC'))?.time).toBe(NOW + 60_000);
    await store.set('inf', 'BTC', cursor(2 ** 53 - 1));
    await store.set('inf', 'BTC', cursor(NOW + 365 * 86_400_000));
    expect((await inner.get('inf', 'BTC'))?.time).toBe(NOW + 60_000);
    expect(refused).toEqual([`write:BTC:${2 ** 53 - 1}`, `write:BTC:${NOW + 365 * 86_400_000}`]);
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(2);
    expect(errors[0]?.fields).toMatchObject({ op: 'write', influencer: 'inf', market: 'BTC' });
  });

  it('ignores a future-dated cursor already stored (an older version wrote it) on list and get', async () => {
    const inner = new MemoryCursorStore();
    await inner.set('inf', 'BTC', cursor(2 ** 53 - 1));
    await inner.set('inf', 'ETH', cursor(NOW - 5000));
    const { store, refused } = guarded(inner);
    const listed = await store.list('inf');
    expect([...listed.keys()]).toEqual(['ETH']);
    expect(await store.get('inf', 'BTC')).toBeUndefined();
    expect((await store.get('inf', 'ETH'))?.time).toBe(NOW - 5000);
    expect(refused).toEqual([`read:BTC:${2 ** 53 - 1}`, `read:BTC:${2 ** 53 - 1}`]);
    // The next real cursor of the market replaces it.
    await store.set('inf', 'BTC', cursor(NOW));
    expect((await store.get('inf', 'BTC'))?.time).toBe(NOW);
  });
});

describe('a restart over a future-dated cursor', () => {
  const source: PositionSource = {
    positions: () => Promise.resolve({ positions: new Map([['BTC', dec('0')]]), time: 4500 }),
  };
  const poisoned = async (): Promise<MemoryCursorStore> => {
    const inner = new MemoryCursorStore();
    await inner.set('inf-1', 'BTC', {
      time: 2 ** 53 - 1,
      eventId: 'x',
      eventIdsAtTime: ['x'],
      position: '5',
    });
    return inner;
  };
  const live = fill({ side: 'B', sz: '1', time: 5000, start: '0' });

  it('was blind without the guard: the real fill is dropped as stale', async () => {
    const { engine, signals, counts } = engineWith({
      clock: new ManualClock(5000),
      positionSource: source,
      cursorStore: await poisoned(),
    });
    await engine.admit('inf-1', USER);
    engine.ingest('inf-1', live);
    await engine.close();
    expect(counts['absorbed']).toBeGreaterThan(0);
    expect(signals.filter((s) => s.action === 'OPEN')).toEqual([]);
  });

  it('is seeded from the exchange and signals the real fill with the guard', async () => {
    const clock = new ManualClock(5000);
    const { engine, signals } = engineWith({
      clock,
      positionSource: source,
      cursorStore: new TimeGuardedCursorStore(await poisoned(), {
        clock,
        logger: captureLogger(),
        maxFutureSkewMs: 60_000,
      }),
    });
    await engine.admit('inf-1', USER);
    engine.ingest('inf-1', live);
    await engine.close();
    expect(signals.map((s) => [s.action, s.position])).toEqual([['OPEN', '1']]);
  });
});
