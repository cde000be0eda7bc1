export * from './range.js';
/** Backfill (issue #15, M0 §8): range manifests, the range splitter, workers, range sources. */
export { checkManifest, manifestKey, MAX_CHUNKS, rangeSplitter } from './splitter.js';
