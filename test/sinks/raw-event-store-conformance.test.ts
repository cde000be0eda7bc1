// The local NDJSON RawEventStore runs the shared conformance cases (ClickHouse runs them in
// clickhouse-store-conformance.int.test.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { LocalRawEventStore } from '../../src/sinks/index.js';
import { rawEventStoreConformance } from './raw-event-store-conformance.js';

describe('LocalRawEventStore: RawEventStore conformance', () => {
  rawEventStoreConformance(() => {
    const path = join(mkdtempSync(join(tmpdir(), 'raw-conf-')), 'raw.ndjson');
    return Promise.resolve({
      store: new LocalRawEventStore({ path, fsync: false }),
      reopen: () => new LocalRawEventStore({ path, fsync: false }),
    });
  });
});
