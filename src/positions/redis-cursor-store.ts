/**
 * Redis-backed CursorStore (over the kernel's RedisPort; only the composition root imports it, via
 * src/positions/adapters.ts). Key layout: one hash per influencer,
 *   `${keyPrefix}positions:cursor:${influencerId}`  field = market (coin)  value = cursor JSON
 * e.g. HGET hlingest:positions:cursor:inf-42 BTC -> {"time":..,"eventId":..,"eventIdsAtTime":[..],"position":"1.5"}.
 * A hash per influencer makes resume one HGETALL and removal one DEL.
 */
import { IngestError, errorMessage } from '../core/index.js';
import type { RedisPort } from '../core/index.js';
import { decodeCursor, encodeCursor } from './cursor-codec.js';
import type { Cursor, CursorStore } from './ports.js';

export interface RedisCursorStoreOptions {
  readonly redis: RedisPort;
  /** Prefix for every key. Default `hlingest:`. */
  readonly keyPrefix?: string;
}

export class RedisCursorStore implements CursorStore {
  private readonly redis: RedisPort;
  private readonly prefix: string;

  constructor(opts: RedisCursorStoreOptions) {
    this.redis = opts.redis;
    this.prefix = opts.keyPrefix ?? 'hlingest:';
  }

  key(influencerId: string): string {
    return `${this.prefix}positions:cursor:${influencerId}`;
  }

  async get(influencerId: string, market: string): Promise<Cursor | undefined> {
    const v = await this.call(() => this.redis.hget(this.key(influencerId), market));
    return v === null ? undefined : decodeCursor(v, `${influencerId}/${market}`);
  }

  async set(influencerId: string, market: string, cursor: Cursor): Promise<void> {
    await this.call(() => this.redis.hset(this.key(influencerId), market, encodeCursor(cursor)));
  }

  async list(influencerId: string): Promise<Map<string, Cursor>> {
    const all = await this.call(() => this.redis.hgetall(this.key(influencerId)));
    const out = new Map<string, Cursor>();
    for (const [market, v] of Object.entries(all))
      out.set(market, decodeCursor(v, `${influencerId}/${market}`));
    return out;
  }

  async delete(influencerId: string): Promise<void> {
    await this.call(() => this.redis.del(this.key(influencerId)));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new IngestError('REDIS_UNAVAILABLE', `cursor store: ${errorMessage(cause)}`, {
        cause,
        retriable: true,
      });
    }
  }
}
