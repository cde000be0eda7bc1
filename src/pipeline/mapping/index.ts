/** Market mapping: native symbol → market_id, domain, shards, time bounds (connector.yaml table). */
export * from './market-map.js';
