/** Shared kernel: errors, retry, clock, logger port, decimals, addresses, event contracts, id set, the ingester → pipeline feed port, the Redis port. */
export * from './errors.js';
export * from './retry.js';
export * from './clock.js';
export * from './logger.js';
export * from './decimal.js';
export * from './address.js';
export * from './market.js';
export * from './events.js';
export * from './event-id.js';
export * from './validate.js';
export * from './emitter.js';
export * from './redact-url.js';
export * from './repeated-warnings.js';
export * from './id-set.js';
export * from './fifo-map.js';
export * from './ingester-feed.js';
export * from './redis-port.js';
