// Redis for tests: Debian's redis-server on 127.0.0.1, no persistence, data dir in the run's temp
// dir. Ready when PING answers through ioredis (the client the product uses).
import { Redis } from 'ioredis';
import { ensureAptBinary } from './install.js';
import { defineService, launchIn } from './service.js';
import type { ServiceDef } from './service.js';

export interface RedisOptions {
  /** Binary to look for (tests of the install path point this at a missing name). */
  binary?: string;
}

export function redisService(opts: RedisOptions = {}): ServiceDef {
  const binary = opts.binary ?? 'redis-server';
  return defineService({
    name: 'redis',
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
        launch: launchIn(dir, installed['binary'] ?? binary, args, 'redis.log'),
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
  });
}
