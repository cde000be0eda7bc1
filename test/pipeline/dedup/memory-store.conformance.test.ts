/** The shared pipeline DedupStore conformance suite against the memory adapter. */
import { MemoryDedupStore } from '../../../src/pipeline/dedup/index.js';
import { pipelineDedupStoreConformance } from './conformance.js';

pipelineDedupStoreConformance('memory', () => ({ open: () => new MemoryDedupStore() }), {
  durable: false,
  remote: false,
});
