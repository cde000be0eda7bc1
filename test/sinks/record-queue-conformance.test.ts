// Both RecordQueue adapters run the shared cases: the DurableQueue on this thread, and the
// ThreadedQueue (a DurableQueue and the sink on a worker thread).
import { describe } from 'vitest';
import { DurableQueue, LocalSignalLog } from '../../src/sinks/index.js';
import type { SinkRecord } from '../../src/sinks/index.js';
import { ThreadedQueue } from '../../src/sinks/threaded/index.js';
import { recordQueueConformance } from './record-queue-conformance.js';

const FAST = { initialDelayMs: 10, maxDelayMs: 50, factor: 2, maxAttempts: 3, jitter: 0 };

describe('DurableQueue: RecordQueue conformance', () => {
  recordQueueConformance(async (o) => {
    const log = new LocalSignalLog({ path: o.path, fsync: false });
    return DurableQueue.open<SinkRecord>({
      name: 'signals',
      deliver: (b) => log.publish(b),
      retryPolicy: FAST,
      ...(o.spoolDir === undefined ? {} : { spoolDir: o.spoolDir }),
      ...(o.maxMemoryRecords === undefined ? {} : { maxMemoryRecords: o.maxMemoryRecords }),
      ...(o.overflow === undefined ? {} : { overflow: o.overflow }),
      ...(o.logger === undefined ? {} : { logger: o.logger }),
    });
  });
});

describe('ThreadedQueue: RecordQueue conformance', () => {
  recordQueueConformance((o) =>
    ThreadedQueue.open({
      sink: { kind: 'local', path: o.path },
      queue: {
        name: 'signals',
        retryPolicy: FAST,
        ...(o.spoolDir === undefined ? {} : { spoolDir: o.spoolDir }),
        ...(o.maxMemoryRecords === undefined ? {} : { maxMemoryRecords: o.maxMemoryRecords }),
        ...(o.overflow === undefined ? {} : { overflow: o.overflow }),
      },
      ...(o.logger === undefined ? {} : { logger: o.logger }),
    }),
  );
});
