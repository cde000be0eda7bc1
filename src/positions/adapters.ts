/**
 * Second public entry of the positions stage: concrete adapters that pull in client
 * libraries (ioredis). Only the composition root imports this file, so the pipeline core
 * (index.ts) stays free of Redis.
 */
export { RedisCursorStore } from './redis-cursor-store.js';
export type { RedisCursorStoreOptions } from './redis-cursor-store.js';
