/** The shared EventLog conformance suite against the NATS JetStream backend (the harness's nats-server). */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { NatsEventLog } from '../../../src/pipeline/eventlog/index.js';
import { services, uniqueName } from '../../harness/index.js';
import { eventLogConformance } from './conformance.js';

eventLogConformance('nats-jetstream', () => {
  const prefix = uniqueName('ELOG');
  return {
    open: () =>
      NatsEventLog.open({
        servers: services().nats.url,
        streamPrefix: prefix,
        subjectPrefix: prefix.toLowerCase(),
        duplicateWindowMs: 120_000,
        maxAgeMs: 0,
        maxBytes: 0,
      }),
  };
});

describe('nats event log: server-side stream limits', () => {
  it('creates partition streams with max_age / max_bytes, the dedup window clamped to max_age', async () => {
    const prefix = uniqueName('LIM');
    const log = await NatsEventLog.open({
      servers: services().nats.url,
      streamPrefix: prefix,
      subjectPrefix: prefix.toLowerCase(),
      duplicateWindowMs: 120_000,
      maxAgeMs: 60_000,
      maxBytes: 1 << 20,
    });
    const nc = await connect({ servers: services().nats.url });
    try {
      const res = await log.append([
        { partition: 'BTC#0', eventId: 'ab'.repeat(32), timestampMs: 1, bytes: Buffer.from('x') },
      ]);
      expect(res).toEqual([{ partition: 'BTC#0', offset: 0, duplicate: false }]);
      const info = await (await jetstreamManager(nc)).streams.info(`${prefix}_BTC=230`);
      expect(info.config.max_age).toBe(nanos(60_000));
      expect(info.config.duplicate_window).toBe(nanos(60_000));
      expect(info.config.max_bytes).toBe(1 << 20);
    } finally {
      await nc.close();
      await log.close();
    }
  });
});
