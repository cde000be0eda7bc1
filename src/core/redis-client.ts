/**
 * The one place an ioredis client is built (createRedis) and the one REDIS_UNAVAILABLE error
 * for it. Not exported from core's index, so only the composition roots and the Redis adapters
 * that import this file load ioredis; everything else sees the RedisPort type (./redis-port.ts).
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { IngestError, errorMessage } from './errors.js';
import { redactUrl } from './redact-url.js';
import type { RedisPort } from './redis-port.js';

export interface RedisConnectionOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly tls?: {
    readonly enabled: boolean;
    readonly caFile?: string | undefined;
    readonly rejectUnauthorized: boolean;
  };
  readonly keyPrefix: string;
}

/** Reconnect delay cap for the service: Redis coming back is noticed within this. */
const SERVICE_RECONNECT_MAX_MS = 2000;
const CONNECT_TIMEOUT_MS = 3000;
const DISCONNECT_TIMEOUT_MS = 200;

/**
 * `service`: reconnect forever, fail commands fast while disconnected (the watcher keeps the
 * last good set). `cli`: one attempt, so an unreachable Redis is exit 5 in about a second.
 * `pipeline`: the pipeline's dedup store, which must not lose an answer: commands queue while
 * reconnecting and are retried twice (ioredis's own timeouts and backoff otherwise).
 */
export function createRedis(opts: RedisConnectionOptions, mode: 'service' | 'cli' | 'pipeline'): Redis {
  const base: RedisOptions =
    mode === 'pipeline' ? { lazyConnect: true, maxRetriesPerRequest: 2 } : serviceOrCliOptions(mode);
  if (opts.username !== undefined) base.username = opts.username;
  if (opts.password !== undefined) base.password = opts.password;
  const tlsOn = opts.tls?.enabled === true || opts.url.startsWith('rediss:');
  if (tlsOn) {
    base.tls = {
      rejectUnauthorized: opts.tls?.rejectUnauthorized ?? true,
      ...(opts.tls?.caFile !== undefined ? { ca: readFileSync(opts.tls.caFile) } : {}),
    };
  }
  const client = new Redis(opts.url, base);
  // Errors surface through command rejections; the listener stops ioredis printing them and
  // keeps the socket-level reason (ECONNREFUSED, ...) for a useful message.
  client.on('error', (e: unknown) => lastErrors.set(client, e));
  return client;
}

function serviceOrCliOptions(mode: 'service' | 'cli'): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // disconnect() ends the socket and destroys it after this if it did not close: ioredis's
    // 2 s default held a stopping process whose Redis was unreachable.
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    enableOfflineQueue: mode === 'cli',
    maxRetriesPerRequest: mode === 'cli' ? 0 : 1,
    // The service writes a cursor per signal (thousands a second): commands issued in one
    // event-loop turn go out as one write instead of one syscall each, which on loopback also
    // runs Redis's receive path inside our write (#18: a tenth of the hot path's CPU was socket
    // writes). Order per client is kept; each command still resolves or fails on its own.
    enableAutoPipelining: mode === 'service',
    retryStrategy:
      mode === 'cli' ? () => null : (times) => Math.min(100 * 2 ** times, SERVICE_RECONNECT_MAX_MS),
  };
}

/** The last socket error per client: "Connection is closed" alone does not say why. */
const lastErrors = new WeakMap<RedisPort, unknown>();

export function redisUnavailable(e: unknown, url: string, client?: RedisPort): IngestError {
  if (e instanceof IngestError) return e;
  const safeUrl = redactUrl(url);
  const socket = client === undefined ? undefined : lastErrors.get(client);
  const why = socket === undefined ? errorMessage(e) : `${errorMessage(socket)} (${errorMessage(e)})`;
  return new IngestError('REDIS_UNAVAILABLE', `Redis at ${safeUrl} is unreachable: ${why}`, {
    cause: e,
    retriable: true,
  });
}
