/**
 * Aggregation (issue #16, M0 aggregation spec): window alignment and keys, the FeatureSchema and
 * FeatureVector codecs, the per-window accumulator and the per-market window engine.
 */
export * from './windows.js';
export * from './schema.js';
export * from './vector.js';
export * from './agg.js';
export * from './engine.js';
export * from './contract-files.js';
export * from './consumer.js';
export * from './registry.js';
export * from './outputs.js';
