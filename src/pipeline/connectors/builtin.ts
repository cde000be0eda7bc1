/**
 * The connector factories this folder ships, keyed by connector.yaml `kind`. The composition
 * root merges in more (the Hyperliquid market-data and influencer-ingester connectors register
 * there, see src/pipeline/runtime/factories.ts): this table is not the only registration point.
 */
import type { ConnectorFactories } from './contract.js';
import { createEvmConnector } from './evm/index.js';
import { createFixtureConnector } from './fixture.js';
import { createSyntheticConnector } from './synthetic.js';

export const BUILTIN_CONNECTOR_FACTORIES: ConnectorFactories = Object.freeze({
  synthetic: createSyntheticConnector,
  fixture: createFixtureConnector,
  evm: createEvmConnector,
});
