/** The EVM JSON-RPC chain-tip follower (issue #15): RPC port, cursor stores, follower. */
export * from './rpc.js';
export * from './cursor.js';
export * from './follower.js';
export * from './connector.js';
export * from './range-source.js';
