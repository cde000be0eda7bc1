/**
 * Redis adapter for the shared dedup store (RemoteDedupStore port), over the kernel's RedisPort.
 * Only the composition root imports this file (through src/fanin/adapters.ts).
 *
 * One Lua script per batch makes each id's claim atomic (`SET key 1 NX PX ttl`; an existing
 * key gets its TTL refreshed with PEXPIRE, matching the memory store), so two instances, or
 * an instance and its restarted self, never both see "first" for one id. Keys are the full
 * 64-hex event id under a prefix (~100 bytes of Redis memory per id with overhead).
 *
 * Use a client that fails fast when Redis is down (createRedis in 'service' mode): the
 * LayeredDedupStore in front falls back to memory on error or timeout.
 */
import { createHash } from 'node:crypto';
import type { RedisPort } from '../core/index.js';
import type { RemoteDedupStore } from './dedup-store.js';

const CLAIM_LUA = `
local ttl = ARGV[1]
local out = {}
for i, k in ipairs(KEYS) do
  if redis.call('SET', k, '1', 'NX', 'PX', ttl) then
    out[i] = 1
  else
    redis.call('PEXPIRE', k, ttl)
    out[i] = 0
  end
end
return out
`;
const CLAIM_SHA = createHash('sha1').update(CLAIM_LUA).digest('hex');

/** Keys per script call: keeps one call well under Redis' argument and latency limits. */
const DEFAULT_MAX_BATCH = 500;

export interface RedisDedupStoreOptions {
  readonly redis: RedisPort;
  /** Key prefix (default `hl:dedup:`). */
  readonly keyPrefix?: string;
  /** Ids per Lua call (default 500). */
  readonly maxBatch?: number;
  /** When true, close() quits the client (default false: the composition root owns it). */
  readonly ownsClient?: boolean;
}

export class RedisDedupStore implements RemoteDedupStore {
  private readonly redis: RedisPort;
  private readonly prefix: string;
  private readonly maxBatch: number;
  private readonly ownsClient: boolean;
  private closing: Promise<void> | null = null;

  constructor(opts: RedisDedupStoreOptions) {
    this.redis = opts.redis;
    this.prefix = opts.keyPrefix ?? 'hl:dedup:';
    this.maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
    this.ownsClient = opts.ownsClient ?? false;
  }

  async claim(ids: readonly string[], ttlMs: number): Promise<readonly boolean[]> {
    const ttl = String(Math.max(1, Math.round(ttlMs)));
    const out: boolean[] = [];
    for (let from = 0; from < ids.length; from += this.maxBatch) {
      const keys = ids.slice(from, from + this.maxBatch).map((id) => this.prefix + id);
      const reply = await this.run(keys, ttl);
      if (!Array.isArray(reply) || reply.length !== keys.length) {
        throw new Error(`dedup script returned ${JSON.stringify(reply)} for ${keys.length} keys`);
      }
      for (const r of reply) out.push(r === 1);
    }
    return out;
  }

  close(): Promise<void> {
    this.closing ??= this.ownsClient ? this.redis.quit().then(() => undefined) : Promise.resolve();
    return this.closing;
  }

  private async run(keys: string[], ttl: string): Promise<unknown> {
    try {
      return await this.redis.evalsha(CLAIM_SHA, keys.length, ...keys, ttl);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.includes('NOSCRIPT')) throw err;
      return await this.redis.eval(CLAIM_LUA, keys.length, ...keys, ttl);
    }
  }
}
