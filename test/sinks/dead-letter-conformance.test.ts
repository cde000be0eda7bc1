// The local NDJSON DeadLetterPublisher runs the shared conformance cases (the Kafka DLQ runs
// them in kafka-dead-letter-conformance.int.test.ts).
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { LocalDeadLetterLog } from '../../src/sinks/index.js';
import type { DeadLetterDocument } from '../../src/sinks/index.js';
import { deadLetterPublisherConformance } from './dead-letter-conformance.js';

describe('LocalDeadLetterLog: DeadLetterPublisher conformance', () => {
  deadLetterPublisherConformance(() => {
    const path = join(mkdtempSync(join(tmpdir(), 'dlq-conf-')), 'dead-letters.ndjson');
    return Promise.resolve({
      publisher: new LocalDeadLetterLog({ path, fsync: false }),
      read: async () => {
        const text = await readFile(path, 'utf8').catch(() => '');
        return text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as DeadLetterDocument);
      },
    });
  });
});
