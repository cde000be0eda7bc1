export * from './range.js';
/** Backfill (issue #15, M0 §8): range manifests, the range splitter, workers, range sources. */
export { checkManifest, manifestKey, MAX_CHUNKS, rangeSplitter } from './splitter.js';
export { runBackfill } from './worker.js';
export type { BackfillOptions, BackfillResult, ChunkCommitted } from './worker.js';
export { BackfillProgress, readProgress } from './progress.js';
export { BACKFILL_TAG_PREFIX, backfillTag, isBackfill, labelBackfill } from './label.js';
export { AssemblingRangeSource } from './assembling-source.js';
export type { AssemblingRangeSourceOptions, RawRangeFetcher } from './assembling-source.js';
export { hlCandleRangeSource } from './hyperliquid.js';
export type { HlCandleRangeSourceOptions } from './hyperliquid.js';
export { hlFillsRangeSource } from './hyperliquid-fills.js';
export type { HlFillsAccount, HlFillsRangeSourceOptions } from './hyperliquid-fills.js';
