/** The shared EventLog conformance suite against the NATS JetStream backend (the harness's nats-server). */
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
