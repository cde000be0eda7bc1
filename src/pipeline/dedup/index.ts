/** Dedup: memory LRU in front of a durable store (memory, file in local mode, Redis). */
export * from './store.js';
export * from './dedup.js';
export { FileDedupStore } from './file-store.js';
export { RedisDedupStore } from './redis-store.js';
export type { RedisDedupStoreOptions } from './redis-store.js';
