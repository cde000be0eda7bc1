/**
 * The per-file set-up every live-reload e2e test repeated: a Redis client for assertions (its
 * errors swallowed, since some files stop Redis under it), and per test one temp dir, a unique
 * key prefix, and at most one App, all closed and removed after the test.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { App } from '../../src/app/index.js';
import { services, uniqueName } from '../harness/index.js';
import { removeDir, tempDir } from './reload-helpers.js';
import type { ReloadEnv } from './reload-helpers.js';

export interface ReloadFixture {
  /** The assertion client (exists from beforeAll on). */
  readonly redis: Redis;
  /** A fresh dir and key prefix (`<name>_…:`) for this test's simulator of `accounts` accounts. */
  env(name: string, seed: number, accounts: number): ReloadEnv;
  /** The test's App, closed after the test. */
  track(app: App): App;
}

export function reloadFixture(): ReloadFixture {
  let redis: Redis | null = null;
  let app: App | null = null;
  let dir = '';
  beforeAll(() => {
    redis = new Redis(services().redis.url);
    redis.on('error', () => undefined);
  });
  afterAll(async () => {
    await redis?.quit();
  });
  afterEach(async () => {
    await app?.close(5000);
    app = null;
    removeDir(dir);
    dir = '';
  });
  return {
    get redis(): Redis {
      if (redis === null) throw new Error('reloadFixture: the Redis client exists from beforeAll on');
      return redis;
    },
    env(name, seed, accounts) {
      dir = tempDir();
      return { dir, prefix: `${uniqueName(name)}:`, redisUrl: services().redis.url, seed, accounts };
    },
    track(a) {
      app = a;
      return a;
    },
  };
}
