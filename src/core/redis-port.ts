/**
 * The one Redis port: exactly the commands the service's Redis users need (cursor store, fan-in
 * and pipeline dedup stores, shutdown). Consumers take this type, never ioredis's; an ioredis
 * `Redis` satisfies it structurally, so the composition root passes its one client without casts.
 * The client itself is built in one place, createRedis (src/influencers/redis-adapter.ts).
 */

/** One reply of a pipeline's exec(): the command's error or its result. */
export type RedisPipelineReply = [error: Error | null, result: unknown];

/** The commands queued on a pipeline; replies come back together from exec(). */
export interface RedisPipelinePort {
  exists(key: string): unknown;
  set(key: string, value: string, expiryMode: 'PX', ttlMs: number): unknown;
  /** null when the pipeline was discarded. */
  exec(): Promise<RedisPipelineReply[] | null>;
}

export interface RedisPort {
  /** The connection state (`wait`, `connecting`, `ready`, `reconnecting`, `end`, ...). */
  readonly status: string;
  connect(): Promise<void>;
  /** Graceful QUIT; pair with disconnect(), which also stops reconnecting. */
  quit(): Promise<unknown>;
  disconnect(): void;

  hget(key: string, field: string): Promise<string | null>;
  hset(key: string, field: string, value: string): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  del(key: string): Promise<number>;

  evalsha(sha1: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;

  pipeline(): RedisPipelinePort;
}
