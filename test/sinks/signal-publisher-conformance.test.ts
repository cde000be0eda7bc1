// The local NDJSON SignalPublisher runs the shared conformance cases (Kafka runs them in
// kafka-publisher-conformance.int.test.ts).
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { LocalSignalLog } from '../../src/sinks/index.js';
import { signalPublisherConformance } from './signal-publisher-conformance.js';

describe('LocalSignalLog: SignalPublisher conformance', () => {
  signalPublisherConformance(() => {
    const path = join(mkdtempSync(join(tmpdir(), 'signal-conf-')), 'signals.ndjson');
    return Promise.resolve({
      publisher: new LocalSignalLog({ path, fsync: false }),
      read: async () => {
        const text = await readFile(path, 'utf8').catch(() => '');
        return text
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const o = JSON.parse(l) as { key: string; value: unknown; headers: Record<string, string> };
            // The log stores the signal as JSON (not a string); re-serialise to compare.
            const value = typeof o.value === 'string' ? o.value : JSON.stringify(o.value);
            return { key: o.key, value, headers: o.headers };
          });
      },
    });
  });
});
