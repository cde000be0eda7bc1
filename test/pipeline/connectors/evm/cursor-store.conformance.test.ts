/** The EVM follower's CursorStore conformance suite against the memory and file adapters. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCursorStore, MemoryCursorStore } from '../../../../src/pipeline/connectors/evm/index.js';
import { evmCursorStoreConformance } from './cursor-store-conformance.js';

evmCursorStoreConformance('memory', () => ({ open: () => new MemoryCursorStore() }), { durable: false });

evmCursorStoreConformance(
  'file',
  () => {
    // A path whose directory does not exist yet: save must create it.
    const path = join(mkdtempSync(join(tmpdir(), 'evm-cursor-conf-')), 'state', 'cursor.json');
    return { open: () => new FileCursorStore(path) };
  },
  { durable: true },
);
