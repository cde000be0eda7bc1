// The Redis InfluencerSource adapter runs the shared conformance cases against the shared test
// Redis, under a unique key prefix per run. Records are written as raw hashes (not through the
// CLI store, which refuses bad records) so the bad-input case reaches the reading side.
import { Redis } from 'ioredis';
import { afterAll, describe } from 'vitest';
import { RECORD_FIELD, influencerKeys } from '../../src/influencers/index.js';
import { RedisInfluencerSource } from '../../src/influencers/redis-adapter.js';
import { eventually, services, uniqueName } from '../harness/index.js';
import { influencerSourceConformance } from './influencer-source-conformance.js';

describe('RedisInfluencerSource: conformance', () => {
  const base = uniqueName('inf_conf');
  const admin = new Redis(services().redis.url);
  let n = 0;
  afterAll(async () => {
    const keys = await admin.keys(`${base}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  /** Replaces every record under the prefix in one transaction, then publishes the notice. */
  async function store(prefix: string, records: readonly unknown[]): Promise<void> {
    const keys = influencerKeys(prefix);
    const old = await admin.smembers(keys.ids);
    const tx = admin.multi();
    for (const id of old) tx.del(keys.record(id));
    tx.del(keys.ids);
    const ids: string[] = [];
    for (const r of records) {
      const id = (r as { id: string }).id;
      ids.push(id);
      tx.hset(keys.record(id), RECORD_FIELD, JSON.stringify(r));
      tx.sadd(keys.ids, id);
    }
    tx.incr(keys.version);
    tx.publish(keys.changes, JSON.stringify({ action: 'import', ids, actor: 'test', at: '', version: 0 }));
    await tx.exec();
  }

  influencerSourceConformance(
    async (records) => {
      const prefix = `${base}:${n++}:`;
      await store(prefix, records);
      const source = new RedisInfluencerSource({
        connection: { url: services().redis.url, keyPrefix: prefix },
      });
      return { source, replace: (next) => store(prefix, next) };
    },
    {
      watchReady: (source, watchers) =>
        eventually(async () => {
          const channel = (source as RedisInfluencerSource).keys.changes;
          const [, count] = (await admin.pubsub('NUMSUB', channel)) as [string, number];
          return Number(count) >= watchers;
        }, `${watchers} subscriber(s) on the change channel`),
    },
  );
});
