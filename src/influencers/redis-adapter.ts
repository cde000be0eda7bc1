/**
 * The Redis adapter (ioredis): the InfluencerSource the service reads, and
 * RedisInfluencerStore, the write side the CLI uses. Only the composition root and the CLI
 * import this file; the rest of the service sees the InfluencerSource port.
 *
 * Key layout (prefix = config redis.keyPrefix, default "ingest:"): see ./keys.ts and README.md.
 * Every change is one WATCH/MULTI/EXEC: the record writes, the address index, the version
 * counter, one audit-stream entry per record and the pub/sub notice commit together or not at all.
 */
import type { Redis } from 'ioredis';
import { errorMessage } from '../core/index.js';
import { createRedis, redisUnavailable } from '../core/redis-client.js';
import type { RedisConnectionOptions } from '../core/redis-client.js';
import { RECORD_FIELD, influencerKeys } from './keys.js';
import type { ChangeNotice, InfluencerKeys } from './keys.js';
import { checkRecords } from './source.js';
import type { ChangeHint, InfluencerSnapshot, InfluencerSource } from './source.js';

// Built in the kernel so both halves share one client factory; re-exported for this stage's users.
export { createRedis, redisUnavailable };
export type { RedisConnectionOptions };

/** Loads every record: SMEMBERS ids and the version counter, then one pipelined HGET per id. */
export async function loadSnapshot(client: Redis, keys: InfluencerKeys): Promise<InfluencerSnapshot> {
  const [members, counter] = await Promise.all([client.smembers(keys.ids), client.get(keys.version)]);
  const ids = members.sort();
  const version = counter === null ? null : Number(counter);
  if (ids.length === 0) return { influencers: [], rejected: [], version };
  const pipe = client.pipeline();
  for (const id of ids) pipe.hget(keys.record(id), RECORD_FIELD);
  const results = (await pipe.exec()) ?? [];
  const raws: { key: string; value: unknown }[] = [];
  const rejected: { id: string; issues: string[] }[] = [];
  ids.forEach((id, i) => {
    const [err, text] = results[i] ?? [new Error('no reply'), null];
    if (err !== null) throw err;
    if (typeof text !== 'string') {
      rejected.push({ id, issues: [`(record): ${keys.record(id)} has no "${RECORD_FIELD}" field`] });
      return;
    }
    try {
      raws.push({ key: id, value: JSON.parse(text) as unknown });
    } catch (e) {
      rejected.push({ id, issues: [`(record): not valid JSON: ${errorMessage(e)}`] });
    }
  });
  const checked = checkRecords(raws);
  return { influencers: checked.influencers, rejected: [...rejected, ...checked.rejected], version };
}

export interface RedisInfluencerSourceOptions {
  readonly connection: RedisConnectionOptions;
  /** Injected clients (tests); otherwise created in service mode. */
  readonly client?: Redis;
}

/** The service's view: load + watch (pub/sub on a second connection) + close. */
export class RedisInfluencerSource implements InfluencerSource {
  readonly name = 'redis';
  readonly keys: InfluencerKeys;
  protected readonly client: Redis;
  protected readonly url: string;
  private subscriber: Redis | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: RedisInfluencerSourceOptions) {
    this.keys = influencerKeys(options.connection.keyPrefix);
    this.url = options.connection.url;
    this.client = options.client ?? createRedis(options.connection, 'service');
  }

  protected async ensureConnected(): Promise<void> {
    if (this.client.status === 'wait') {
      try {
        await this.client.connect();
      } catch (e) {
        throw redisUnavailable(e, this.url, this.client);
      }
    }
  }

  async load(): Promise<InfluencerSnapshot> {
    await this.ensureConnected();
    try {
      return await loadSnapshot(this.client, this.keys);
    } catch (e) {
      throw redisUnavailable(e, this.url, this.client);
    }
  }

  /**
   * Subscribes to the change channel. Besides each notice, a re-established subscription
   * (Redis restarted, network back) reports `reconnect`: notices sent meanwhile were lost.
   */
  watch(onChange: (hint: ChangeHint) => void): () => void {
    const sub = this.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    sub.on('error', () => undefined);
    this.subscriber = sub;
    let readyBefore = false;
    let stopped = false;
    sub.on('message', (_channel: string, message: string) => {
      let ids: readonly string[] | undefined;
      try {
        ids = (JSON.parse(message) as Partial<ChangeNotice>).ids;
      } catch {
        ids = undefined; // a foreign message on our channel still means "reload"
      }
      onChange(ids === undefined ? { reason: 'notification' } : { reason: 'notification', ids });
    });
    sub.on('ready', () => {
      if (readyBefore && !stopped) onChange({ reason: 'reconnect' });
      readyBefore = true;
    });
    // A failed subscribe is retried by ioredis on reconnect; the reconcile timer covers the gap.
    sub.subscribe(this.keys.changes).catch(() => undefined);
    return () => {
      stopped = true;
      sub.disconnect();
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.subscriber?.disconnect();
      try {
        if (this.client.status === 'ready') await this.client.quit();
      } catch {
        // already gone: nothing to flush
      }
      this.client.disconnect();
    })();
    return this.closing;
  }
}
