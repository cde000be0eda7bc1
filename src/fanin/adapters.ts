/**
 * Concrete fan-in adapters that pull in infrastructure clients (ioredis). Only the
 * composition root imports this entry; src/fanin/index.ts stays free of them.
 */
export { RedisDedupStore } from './redis-dedup-store.js';
export type { RedisDedupStoreOptions } from './redis-dedup-store.js';
