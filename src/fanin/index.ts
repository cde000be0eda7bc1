/**
 * Public door of the fan-in: dedup stores and the de-duplicating ordered FanIn (listener
 * health, delivery tracking and rotation live in src/listeners/failover/). Infrastructure adapters (Redis) live behind
 * src/fanin/adapters.ts so this entry imports no client library.
 */
export { dedupKey, compactKey } from './dedup-key.js';
export type { CompactKey } from './dedup-key.js';
export type { DedupStore, RemoteDedupStore, DedupStoreStats } from './dedup-store.js';
export { MemoryDedupStore } from './memory-dedup-store.js';
export type { MemoryDedupStoreOptions } from './memory-dedup-store.js';
export { LayeredDedupStore } from './layered-dedup-store.js';
export type { LayeredDedupStoreOptions, LayeredDedupEvents } from './layered-dedup-store.js';
export { orderBlock, compareFallback, endPosition } from './block-order.js';
export { FanIn } from './fanin.js';
export { HOLD_REASONS as FANIN_HOLD_REASONS } from './reorder-buffer.js';
export type { HoldReason as FanInHoldReason } from './reorder-buffer.js';
export type { FanInBatch, FanInOptions, FanInStats } from './fanin.js';
export type { FanInEvents } from './fanin-events.js';
