/** The shared EventLog conformance suite against the file backend. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileEventLog } from '../../../src/pipeline/eventlog/index.js';
import { eventLogConformance } from './conformance.js';

eventLogConformance('file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'elog-conf-'));
  return {
    retentionSlackBytes: 4096,
    open: () => FileEventLog.open({ dir, segmentBytes: 4096, indexIntervalRecords: 4, fsync: 'flush' }),
  };
});
