// The Redis CursorStore against the real test Redis: the shared conformance suite, the
// documented key layout, and an engine restart that resumes from cursors stored in Redis.
import { describe, expect, it } from 'vitest';
import { dec } from '../../src/core/index.js';
import { RedisCursorStore } from '../../src/positions/adapters.js';
import { uniqueName, useRedisPrefix } from '../harness/index.js';
import { cursorStoreConformance } from './cursor-store-conformance.js';
import { USER, engineWith, fill } from './helpers.js';
import { ManualClock } from '../kit/index.js';

describe('RedisCursorStore', () => {
  const env = useRedisPrefix('poscur');
  const { prefix } = env;

  cursorStoreConformance(
    () => new RedisCursorStore({ redis: env.redis, keyPrefix: prefix }),
    () => uniqueName('inf'),
  );

  it('uses one hash per influencer with the market as field', async () => {
    const store = new RedisCursorStore({ redis: env.redis, keyPrefix: prefix });
    await store.set('inf-7', 'BTC', { time: 5, eventId: 'e', eventIdsAtTime: ['e'], position: '1' });
    expect(await env.redis.hkeys(`${prefix}positions:cursor:inf-7`)).toEqual(['BTC']);
    await env.redis.hset(`${prefix}positions:cursor:inf-7`, 'ETH', '{"time":"x"}');
    await expect(store.list('inf-7')).rejects.toThrow(/cursor inf-7\/ETH/);
  });

  it('an engine restart resumes from cursors kept in Redis', async () => {
    const store = new RedisCursorStore({ redis: env.redis, keyPrefix: prefix });
    const id = uniqueName('inf');
    const f1 = fill({ side: 'B', sz: '1', time: 1000, start: '0' });
    const f2 = fill({ side: 'B', sz: '1', time: 2000, start: '1' });
    const source = (p: string, time: number) => ({
      positions: () => Promise.resolve({ positions: new Map([['BTC', dec(p)]]), time }),
    });
    const a = engineWith({ positionSource: source('0', 500), cursorStore: store });
    await a.engine.admit(id, USER);
    a.engine.ingest(id, f1);
    await a.engine.close();
    const b = engineWith({
      clock: new ManualClock(3000),
      positionSource: source('2', 2500),
      cursorStore: store,
      fillHistory: {
        userFillsByTime: () =>
          Promise.resolve({
            fills: [f1, f2].map((f) => ({ ...f, source: { ...f.source, delivery: 'backfill' as const } })),
            truncated: false,
          }),
      },
    });
    await b.engine.admit(id, USER);
    await b.engine.close();
    expect(b.signals.map((s) => [s.action, s.position, s.quality.backfilled])).toEqual([
      ['INCREASE', '2', true],
    ]);
    expect((await store.get(id, 'BTC'))?.position).toBe('2');
  });
});
