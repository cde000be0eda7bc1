/** Connectors: the contract, the connector.yaml schema, the registry and the built-in connectors. */
export * from './contract.js';
export * from './manifest.js';
