/**
 * The stores the processor stage runs on, built from config: the dedup store (memory, layered
 * over Redis when enabled), the cursor chain (Redis or memory, guarded against future-dated
 * cursors, gated on signal acks, observed for hand-off acks), the service's Redis client, and
 * the info client of a process without listeners.
 */
import type { Clock, Logger, RedisPort } from '../core/index.js';
import { ConfigError, errorMessage } from '../core/index.js';
import type { ServiceConfig } from '../config/index.js';
import type { DedupStore } from '../fanin/index.js';
import { LayeredDedupStore, MemoryDedupStore } from '../fanin/index.js';
import { createEgressPool } from '../listeners/index.js';
import type { Metrics } from '../obs/index.js';
import type { Cursor, CursorStore } from '../positions/index.js';
import { MemoryCursorStore } from '../positions/index.js';
import type { InfoClient } from '../protocol/index.js';
import { AckGatedCursorStore } from './ack-gated-cursors.js';
import { egressPools } from './plan-input.js';
import { TimeGuardedCursorStore } from './time-guarded-cursors.js';

export function redisConnection(config: ServiceConfig) {
  return {
    url: config.redis.url,
    ...(config.redis.username === undefined ? {} : { username: config.redis.username }),
    ...(config.redis.password === undefined ? {} : { password: config.redis.password }),
    tls: config.redis.tls,
    keyPrefix: config.redis.keyPrefix,
  };
}

/**
 * Against an exchange, positions are seeded and resumed from cursors in Redis unless the
 * operator chose `positions.cursorStore: memory`; the simulator always runs from memory.
 */
export function cursorsInRedis(config: ServiceConfig): boolean {
  return config.source.kind !== 'simulator' && config.positions.cursorStore === 'redis';
}

/**
 * Connects the service's Redis client. With cursors in Redis an unreachable Redis fails the
 * start (nothing could be seeded); otherwise ioredis keeps reconnecting in the background.
 */
export async function connectRedis(config: ServiceConfig, log: Logger): Promise<RedisPort> {
  const { createRedis, redisUnavailable } = await import('../influencers/redis-adapter.js');
  const conn = redisConnection(config);
  const client = createRedis(conn, 'service');
  try {
    await client.connect();
  } catch (err) {
    if (cursorsInRedis(config)) {
      // Without cursors nothing can be seeded: the service would run and emit nothing.
      client.disconnect();
      throw redisUnavailable(err, conn.url, client);
    }
    // Only dedup or the influencer list use it: ioredis keeps reconnecting, users degrade to memory.
    log.warn({ err }, `redis unreachable at start-up, retrying in the background: ${errorMessage(err)}`);
  }
  return client;
}

export async function buildDedup(
  config: ServiceConfig,
  redis: RedisPort | null,
  clock: Clock,
  logger: Logger,
): Promise<DedupStore> {
  const d = config.fanin.dedup;
  const memory = new MemoryDedupStore({ maxEntries: d.memoryMaxEntries, ttlMs: d.memoryTtlMs });
  if (!d.redis.enabled || !redis) return memory;
  const { RedisDedupStore } = await import('../fanin/adapters.js');
  const remote = new RedisDedupStore({ redis, keyPrefix: `${config.redis.keyPrefix}dedup:` });
  return new LayeredDedupStore({ memory, remote, clock, logger, remoteTtlMs: d.redis.ttlMs });
}

/** Tells whoever needs to know that a cursor reached the store (DeliveryAcks). */
class ObservedCursorStore implements CursorStore {
  constructor(
    private readonly inner: CursorStore,
    private readonly onPersisted: (influencerId: string, market: string, cursor: Cursor) => void,
  ) {}
  get(influencerId: string, market: string): Promise<Cursor | undefined> {
    return this.inner.get(influencerId, market);
  }
  async set(influencerId: string, market: string, cursor: Cursor): Promise<void> {
    await this.inner.set(influencerId, market, cursor);
    this.onPersisted(influencerId, market, cursor);
  }
  list(influencerId: string): Promise<Map<string, Cursor>> {
    return this.inner.list(influencerId);
  }
  delete(influencerId: string): Promise<void> {
    return this.inner.delete(influencerId);
  }
}

export interface CursorChainOptions {
  readonly config: ServiceConfig;
  readonly redis: RedisPort | null;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Called once a cursor is persisted (after its signals were acknowledged). */
  readonly onPersisted?: ((influencerId: string, market: string, cursor: Cursor) => void) | undefined;
}

/** Store (Redis or memory) <- time guard <- persisted-observer <- ack gate (what the engine writes to). */
export async function buildCursorChain(o: CursorChainOptions): Promise<AckGatedCursorStore> {
  const { config, redis, clock, logger, metrics } = o;
  let store: CursorStore = new MemoryCursorStore();
  if (redis && cursorsInRedis(config)) {
    const { RedisCursorStore } = await import('../positions/adapters.js');
    store = new RedisCursorStore({ redis, keyPrefix: config.redis.keyPrefix });
  }
  // A cursor dated in the future is never written nor resumed from (it would blind its stream).
  for (const op of ['write', 'read'] as const) metrics.cursorRefused({ op }, 0);
  const guarded = new TimeGuardedCursorStore(store, {
    clock,
    logger,
    maxFutureSkewMs: config.hyperliquid.maxFutureSkewMs,
    onRefused: (e) => metrics.cursorRefused({ op: e.op }),
  });
  const observed = o.onPersisted ? new ObservedCursorStore(guarded, o.onPersisted) : guarded;
  return new AckGatedCursorStore(observed, logger);
}

/** The info client of a process without listeners (a processor): seeding, gap repair, reconcile. */
export function standaloneInfoClient(
  config: ServiceConfig,
  clock: Clock,
  logger: Logger,
  infoUrl: string,
): InfoClient {
  const [pool] = egressPools(config);
  if (!pool)
    throw new ConfigError('CONFIG_INVALID', 'hyperliquid.egressPools is empty: set INGEST_EGRESS_POOLS');
  return createEgressPool(pool, { clock, logger, infoUrl }).info;
}
