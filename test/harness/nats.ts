// NATS with JetStream for tests: Debian's nats-server on 127.0.0.1, JetStream store in the run's
// temp dir. Ready when a client connects and the JetStream account info answers (so streams can
// be created, not just the core protocol).
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ensureAptBinary } from './install.js';
import type { ServiceDef } from './service.js';

export function natsService(opts: { binary?: string } = {}): ServiceDef {
  const binary = opts.binary ?? 'nats-server';
  return {
    name: 'nats',
    portNames: ['port'],
    portEnv: { port: 'TEST_NATS_PORT' },
    reuseEnv: 'TEST_NATS_URL',
    readyTimeoutMs: 20_000,
    stopTimeoutMs: 10_000,
    async install() {
      return { binary: await ensureAptBinary('nats', binary, ['nats-server']) };
    },
    async prepare({ dir, ports, installed }) {
      const port = ports['port'] ?? 0;
      return {
        endpoint: `nats://127.0.0.1:${port}`,
        launch: {
          command: installed['binary'] ?? binary,
          args: ['-js', '-sd', join(dir, 'js'), '-p', String(port), '-a', '127.0.0.1'],
          env: {},
          cwd: dir,
          logFile: join(dir, 'nats.log'),
          extraLogFiles: [],
        },
      };
    },
    async probe(endpoint) {
      const nc = await connect({ servers: endpoint, timeout: 2_000, reconnect: false });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2_000 });
        await jsm.getAccountInfo();
      } finally {
        await nc.close();
      }
    },
    hint(log) {
      if (/JetStream.*(disabled|not enabled)|insufficient/i.test(log)) {
        return `JetStream did not start: check the store dir is writable and 'nats-server --version' is >= 2.2`;
      }
      return undefined;
    },
  };
}
