/**
 * The per-file set-up every live-reload e2e test repeated: a Redis client for assertions (its
 * errors swallowed, since some files stop Redis under it), and per test one temp dir, a unique
 * key prefix, and at most one App, all closed and removed after the test.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { App } from '../../src/app/index.js';
import { services, uniqueName } from '../harness/index.js';
import { App as AppClass } from '../../src/app/index.js';
import type { InfluencerWatcher } from '../../src/influencers/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { capturingLogger, recordSignals, reloadConfig, removeDir, tempDir } from './reload-helpers.js';
import type { ReloadEnv } from './reload-helpers.js';

/** A started App of a reload test, with what every such test reads from it. */
export interface ReloadRun {
  readonly app: App;
  readonly sim: Simulator;
  readonly watcher: InfluencerWatcher;
  /** Every signal the engine emitted since start, with its time. */
  readonly seen: ReturnType<typeof recordSignals>;
  /** Every log record (capturing logger). */
  readonly records: ReturnType<typeof capturingLogger>['records'];
}

export interface ReloadFixture {
  /** The assertion client (exists from beforeAll on). */
  readonly redis: Redis;
  /** A fresh dir and key prefix (`<name>_…:`) for this test's simulator of `accounts` accounts. */
  env(name: string, seed: number, accounts: number): ReloadEnv;
  /** The test's App, closed after the test. */
  track(app: App): App;
  /** Starts (and tracks) an App on `env` with a capturing logger, recording its signals. */
  start(env: ReloadEnv): Promise<ReloadRun>;
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
    async start(env) {
      const { logger, records } = capturingLogger();
      const a = new AppClass({ config: reloadConfig(env), logger });
      app = a;
      await a.start();
      const seen = recordSignals(a);
      const { sim, watcher } = a;
      if (!sim || !watcher) throw new Error('reloadFixture: the app started without simulator or watcher');
      return { app: a, sim, watcher, seen, records };
    },
  };
}
