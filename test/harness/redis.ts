// Redis for tests: Debian's redis-server on 127.0.0.1, no persistence, data dir in the run's temp
// dir. Ready when PING answers through ioredis (the client the product uses).
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { ensureAptBinary } from './install.js';
import type { ServiceDef } from './service.js';

export interface RedisOptions {
  /** Binary to look for (tests of the install path point this at a missing name). */
  binary?: string;
}

export function redisService(opts: RedisOptions = {}): ServiceDef {
  const binary = opts.binary ?? 'redis-server';
  return {
    name: 'redis',
    portNames: ['port'],
    portEnv: { port: 'TEST_REDIS_PORT' },
    reuseEnv: 'TEST_REDIS_URL',
    readyTimeoutMs: 20_000,
    stopTimeoutMs: 10_000,
    async install() {
      return { binary: await ensureAptBinary('redis', binary, ['redis-server']) };
    },
    async prepare({ dir, ports, installed }) {
      const port = ports['port'] ?? 0;
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ];
      args.push('--daemonize', 'no', '--protected-mode', 'no', '--logfile', '');
      return {
        endpoint: `redis://127.0.0.1:${port}`,
        launch: {
          command: installed['binary'] ?? binary,
          args,
          env: {},
          cwd: dir,
          logFile: join(dir, 'redis.log'),
          extraLogFiles: [],
        },
      };
    },
    async probe(endpoint) {
      const client = new Redis(endpoint, {
        lazyConnect: true,
        connectTimeout: 2_000,
        commandTimeout: 2_000,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined); // the probe's rejection carries the error
      try {
        await client.connect();
        const pong = await client.ping();
        if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
      } finally {
        client.disconnect();
      }
    },
    hint(log) {
      if (/Fatal error loading|Bad directive|wrong number of arguments/i.test(log)) {
        return `this redis-server does not accept the harness's flags: check 'redis-server --version' (Redis >= 6 expected)`;
      }
      return undefined;
    },
  };
}
