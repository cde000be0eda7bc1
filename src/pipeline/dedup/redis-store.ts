/**
 * The Redis dedup store (shared across pipeline instances): one key per id under a prefix with
 * a TTL (`SET key 1 PX ttl`), asked with one pipelined EXISTS batch. Only the composition root
 * builds it; the client is passed in and owned by the caller.
 */
import { SinkError } from '../../core/index.js';
import type { RedisPort } from '../../core/index.js';
import type { DedupStore } from './store.js';

export interface RedisDedupStoreOptions {
  readonly redis: RedisPort;
  readonly keyPrefix: string;
  readonly ttlMs: number;
}

export class RedisDedupStore implements DedupStore {
  readonly kind = 'redis';
  readonly memoryBytes = 0;

  constructor(private readonly options: RedisDedupStoreOptions) {}

  async seen(ids: readonly string[]): Promise<readonly boolean[]> {
    if (ids.length === 0) return [];
    const p = this.options.redis.pipeline();
    for (const id of ids) p.exists(this.options.keyPrefix + id);
    const replies = await p.exec();
    if (replies === null)
      throw new SinkError('REDIS_UNAVAILABLE', 'dedup EXISTS pipeline was discarded', { retriable: true });
    return replies.map(([err, v], i) => {
      if (err !== null)
        throw new SinkError('REDIS_UNAVAILABLE', `dedup EXISTS ${ids[i]} failed: ${err.message}`, {
          cause: err,
          retriable: true,
        });
      return v === 1;
    });
  }

  async remember(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const p = this.options.redis.pipeline();
    for (const id of ids) p.set(this.options.keyPrefix + id, '1', 'PX', this.options.ttlMs);
    const replies = await p.exec();
    const failed = replies?.find(([err]) => err !== null);
    if (replies === null || failed !== undefined) {
      throw new SinkError(
        'REDIS_UNAVAILABLE',
        `dedup SET failed: ${failed?.[0]?.message ?? 'pipeline discarded'}`,
        { retriable: true },
      );
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
