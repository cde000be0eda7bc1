/**
 * The service's Redis client at shutdown: a bounded QUIT when connected, then disconnect(),
 * so a Redis that is down (ioredis reconnecting) never holds a stopping process.
 */
import type { RedisPort } from '../core/index.js';

/** How long a graceful QUIT may take before the socket is simply closed. */
const REDIS_QUIT_MS = 1000;

/**
 * QUIT when connected (bounded), then always disconnect(): that also cancels ioredis's
 * reconnect timer, which otherwise keeps a stopped process alive while Redis is down.
 */
export async function closeRedis(redis: RedisPort): Promise<void> {
  if (redis.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      redis.quit().catch(() => undefined),
      new Promise((resolve) => (timer = setTimeout(resolve, REDIS_QUIT_MS))),
    ]);
    clearTimeout(timer);
  }
  redis.disconnect();
}
