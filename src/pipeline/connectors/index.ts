/** Connectors: the contract, the connector.yaml schema, the registry and the built-in connectors. */
export * from './contract.js';
export * from './manifest.js';
export * from './registry.js';
export { SyntheticConnector, SyntheticOptions, createSyntheticConnector } from './synthetic.js';
export { FixtureConnector, FixtureOptions, createFixtureConnector } from './fixture.js';
export { FixtureLine, FIXTURE_KINDS } from './fixture-records.js';
export { SeededRandom } from './prng.js';
export { BUILTIN_CONNECTOR_FACTORIES } from './builtin.js';
export * from './lock.js';
