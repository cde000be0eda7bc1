// NATS with JetStream for tests: Debian's nats-server on 127.0.0.1, JetStream store in the run's
// temp dir. Ready when a client connects and the JetStream account info answers (so streams can
// be created, not just the core protocol).
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { ensureAptBinary } from './install.js';
import { defineService, launchIn } from './service.js';
import type { ServiceDef } from './service.js';

export function natsService(opts: { binary?: string } = {}): ServiceDef {
  const binary = opts.binary ?? 'nats-server';
  return defineService({
    name: 'nats',
    async install() {
      return { binary: await ensureAptBinary('nats', binary, ['nats-server']) };
    },
    async prepare({ dir, ports, installed }) {
      const port = ports['port'] ?? 0;
      return {
        endpoint: `nats://127.0.0.1:${port}`,
        launch: launchIn(
          dir,
          installed['binary'] ?? binary,
          ['-js', '-sd', join(dir, 'js'), '-p', String(port), '-a', '127.0.0.1'],
          'nats.log',
        ),
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
  });
}
