// A fresh Redis key prefix per describe block on the run's Redis, cleaned up afterwards: the
// set-up every Redis adapter test repeated (client in beforeAll; delete keys, quit in afterAll).
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { services, uniqueName } from './resources.js';

/**
 * A client on the run's Redis and a fresh key prefix for one describe block: connected in
 * beforeAll; every key under the prefix deleted and the client closed in afterAll.
 */
export function useRedisPrefix(name: string): { readonly redis: Redis; readonly prefix: string } {
  const prefix = `${uniqueName(name)}:`;
  let client: Redis | null = null;
  beforeAll(() => {
    client = new Redis(services().redis.url);
  });
  afterAll(async () => {
    if (client === null) return;
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await client.quit();
  });
  return {
    prefix,
    get redis(): Redis {
      if (client === null) throw new Error('useRedisPrefix: the client exists from beforeAll on');
      return client;
    },
  };
}
