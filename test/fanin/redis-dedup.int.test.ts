// The shared dedup store against the real test Redis: atomic first-wins across two FanIn
// instances (two service instances, or one and its restarted self), TTL, and the memory
// fallback when Redis goes away mid-stream.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core/index.js';
import type { FanInBatch } from '../../src/fanin/index.js';
import { FanIn, LayeredDedupStore, MemoryDedupStore } from '../../src/fanin/index.js';
import { RedisDedupStore } from '../../src/fanin/adapters.js';
import { createRedis } from '../../src/core/redis-client.js';
import { services, uniqueName, useRedisPrefix } from '../harness/index.js';
import { until } from '../kit/index.js';
import { copyFrom, fill } from './helpers.js';
import { dedupStoreConformance } from './dedup-store-conformance.js';

describe('RedisDedupStore', () => {
  const env = useRedisPrefix('dedup');
  const { prefix } = env;
  let redis: Redis;
  beforeAll(() => (redis = env.redis));

  it('claims atomically: of many concurrent claims of one id exactly one wins', async () => {
    const clients = Array.from({ length: 4 }, () => new Redis(services().redis.url));
    try {
      const stores = clients.map((c) => new RedisDedupStore({ redis: c, keyPrefix: prefix }));
      const ids = Array.from({ length: 200 }, (_, i) => `race-${i}`);
      const answers = await Promise.all(stores.map((s) => s.claim(ids, 60_000)));
      for (let i = 0; i < ids.length; i++) expect(answers.filter((a) => a[i]).length).toBe(1);
    } finally {
      await Promise.all(clients.map((c) => c.quit()));
    }
  });

  it('keeps an id for the TTL, refreshes it on a duplicate, and splits big batches', async () => {
    const store = new RedisDedupStore({ redis, keyPrefix: prefix, maxBatch: 7 });
    const ids = Array.from({ length: 20 }, (_, i) => `ttl-${i}`);
    expect((await store.claim(ids, 300)).every(Boolean)).toBe(true);
    expect((await store.claim(ids, 300)).some(Boolean)).toBe(false);
    expect(await redis.pttl(`${prefix}ttl-0`)).toBeGreaterThan(200);
    // Redis expires the key on its own clock: wait until it is gone rather than guess how long.
    await until(async () => (await redis.exists(`${prefix}ttl-0`)) === 0, 3000, 'ttl-0 to expire');
    expect(await store.claim(['ttl-0'], 300)).toEqual([true]);
  });

  /** A FanIn whose dedup is memory over the shared Redis (as each service instance runs it). */
  const sharedFanIn = (out: FanInBatch[]): FanIn =>
    new FanIn({
      clock: systemClock,
      logger: silentLogger,
      dedup: new LayeredDedupStore({
        memory: new MemoryDedupStore({ maxEntries: 10_000, ttlMs: 60_000 }),
        remote: new RedisDedupStore({ redis, keyPrefix: prefix }),
        clock: systemClock,
        logger: silentLogger,
        remoteTimeoutMs: 2000,
      }),
      resolveInfluencers: () => ['inf-1'],
      deliver: (b) => {
        out.push(b);
      },
      reorderWindowMs: 20,
      gapHoldMs: 250,
    });

  it('two FanIn instances sharing one Redis emit each fill once between them', async () => {
    const outs: FanInBatch[][] = [[], []];
    const fanins = outs.map((out) => sharedFanIn(out));
    const tag = Date.now();
    const fills = Array.from({ length: 300 }, (_, i) =>
      fill({ tid: tag * 1000 + i, time: 1000 + Math.floor(i / 3), start: null }),
    );
    // Both instances see every fill, from both listeners, in different interleavings.
    for (let i = 0; i < fills.length; i += 10) {
      const chunk = fills.slice(i, i + 10);
      (fanins[0] as FanIn).push(chunk);
      (fanins[1] as FanIn).push(chunk.map((f) => copyFrom(f, 'inf-1/secondary')).reverse());
      (fanins[0] as FanIn).push(chunk.map((f) => copyFrom(f, 'inf-1/secondary')));
    }
    await Promise.all(fanins.map((f) => f.close()));
    const emitted = outs.flatMap((o) => o.flatMap((b) => b.fills.map((f) => f.eventId)));
    expect(emitted.length).toBe(fills.length);
    expect(new Set(emitted)).toEqual(new Set(fills.map((f) => f.eventId)));
    // A restarted instance (fresh memory) does not re-emit what Redis already holds.
    const restarted: FanInBatch[] = [];
    const again = sharedFanIn(restarted);
    again.push(fills.map((f) => copyFrom(f, 'inf-1/primary', 0, 'snapshot')));
    await again.close();
    expect(restarted).toEqual([]);
  });

  it('falls back to memory when Redis is unreachable and never blocks or drops', async () => {
    // The service's client (fails fast while disconnected); its error listener swallows ECONNREFUSED.
    const dead = createRedis({ url: 'redis://127.0.0.1:1', keyPrefix: 'unused:' }, 'service');
    const layered = new LayeredDedupStore({
      memory: new MemoryDedupStore({ maxEntries: 100, ttlMs: 60_000 }),
      remote: new RedisDedupStore({ redis: dead, ownsClient: false }),
      clock: systemClock,
      logger: silentLogger,
      remoteTimeoutMs: 300,
    });
    const degraded: string[] = [];
    layered.events.on('degraded', (e) => degraded.push(e.reason));
    const started = Date.now();
    expect(await layered.claim(['a', 'b'], 0)).toEqual([true, true]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(layered.claim(['a'], 1)).toEqual([false]);
    expect(degraded).toHaveLength(1);
    dead.disconnect();
  });
});

describe('LayeredDedupStore over the real Redis: conformance', () => {
  const prefix = `${uniqueName('dedup_conf')}:`;
  const clients: Redis[] = [];
  afterAll(async () => {
    const redis = new Redis(services().redis.url);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    for (const c of clients) c.disconnect();
  });
  let n = 0;
  dedupStoreConformance(
    () => {
      const c = new Redis(services().redis.url);
      clients.push(c);
      return new LayeredDedupStore({
        memory: new MemoryDedupStore({ maxEntries: 100, ttlMs: 60_000 }),
        remote: new RedisDedupStore({ redis: c, keyPrefix: prefix }),
        clock: systemClock,
        logger: silentLogger,
      });
    },
    () => `conf-${n++}`,
  );
});
