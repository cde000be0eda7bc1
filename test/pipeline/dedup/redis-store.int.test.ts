/**
 * The Redis dedup store against the real Redis the harness provides (started or reused): the
 * shared conformance suite, then the Redis-only behaviours (TTL, shared across instances).
 */
import { describe, expect, it } from 'vitest';
import { Dedup, RedisDedupStore } from '../../../src/pipeline/dedup/index.js';
import { uniqueName, useRedisPrefix } from '../../harness/index.js';
import { pipelineDedupStoreConformance } from './conformance.js';

const env = useRedisPrefix('pipeline_dedup');
const { prefix } = env;

// Each location is its own key prefix; reopening builds a new store on the same prefix, as a
// restarted pipeline instance would.
pipelineDedupStoreConformance(
  'redis',
  () => {
    const keyPrefix = `${prefix}${uniqueName('loc')}:`;
    return { open: () => new RedisDedupStore({ redis: env.redis, keyPrefix, ttlMs: 60_000 }) };
  },
  { durable: true, remote: true },
);

describe('RedisDedupStore', () => {
  it('remembers ids with a TTL and answers in order; a second instance sees them', async () => {
    const ids = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
    const one = new RedisDedupStore({ redis: env.redis, keyPrefix: prefix, ttlMs: 60_000 });
    expect(await one.seen(ids)).toEqual([false, false, false]);
    await one.remember(ids.slice(0, 2));
    const ttl = await env.redis.pttl(prefix + ids[0]);
    expect(ttl).toBeGreaterThan(50_000);
    const two = new Dedup(new RedisDedupStore({ redis: env.redis, keyPrefix: prefix, ttlMs: 60_000 }), 10);
    const out = await two.filter(ids.map((eventId) => ({ eventId })));
    expect(out.fresh.map((e) => e.eventId)).toEqual([ids[2]]);
    expect(two.hits).toBe(2);
  });
});
