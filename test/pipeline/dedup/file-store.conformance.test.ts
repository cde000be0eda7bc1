/** The shared pipeline DedupStore conformance suite against the local-mode file adapter. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDedupStore } from '../../../src/pipeline/dedup/index.js';
import { pipelineDedupStoreConformance } from './conformance.js';

for (const fsync of [true, false]) {
  pipelineDedupStoreConformance(
    `file (fsync ${fsync ? 'on' : 'off'})`,
    () => {
      const file = join(mkdtempSync(join(tmpdir(), 'dedup-conf-')), 'ids');
      return { open: () => new FileDedupStore(file, fsync) };
    },
    { durable: true, remote: false },
  );
}
