/** The Redis dedup store against the real Redis the harness provides (started or reused). */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Dedup, RedisDedupStore } from '../../../src/pipeline/dedup/index.js';
import { services, uniqueName } from '../../harness/index.js';

const redis = new Redis(services().redis.url);
const prefix = `${uniqueName('pipeline_dedup')}:`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('RedisDedupStore', () => {
  it('remembers ids with a TTL and answers in order; a second instance sees them', async () => {
    const ids = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
    const one = new RedisDedupStore({ redis, keyPrefix: prefix, ttlMs: 60_000 });
    expect(await one.seen(ids)).toEqual([false, false, false]);
    await one.remember(ids.slice(0, 2));
    const ttl = await redis.pttl(prefix + ids[0]);
    expect(ttl).toBeGreaterThan(50_000);
    const two = new Dedup(new RedisDedupStore({ redis, keyPrefix: prefix, ttlMs: 60_000 }), 10);
    const out = await two.filter(ids.map((eventId) => ({ eventId })));
    expect(out.fresh.map((e) => e.eventId)).toEqual([ids[2]]);
    expect(two.hits).toBe(2);
  });
});
