/**
 * THE registration point for connector kinds `ingest pipeline run` can build. The built-in
 * synthetic and fixture kinds come from connectors/; other kinds are passed in by whoever
 * composes the run, usually closing over runtime facts (the simulator's URL, the ingester's
 * event stream):
 *
 *   pipelineConnectorFactories({
 *     'hyperliquid-market-data': (ctx) => createHlMarketDataConnector(ctx, { wsUrl: sim.wsUrl }),
 *     'influencer-ingester': (ctx) => bridge.connector(ctx),
 *   })
 *
 * A manifest whose kind has no factory is listed with run state `no-factory` and never runs.
 */
import type { ConnectorFactories } from '../connectors/index.js';
import { BUILTIN_CONNECTOR_FACTORIES } from '../connectors/index.js';

export function pipelineConnectorFactories(extra: ConnectorFactories = {}): ConnectorFactories {
  return Object.freeze({ ...BUILTIN_CONNECTOR_FACTORIES, ...extra });
}
