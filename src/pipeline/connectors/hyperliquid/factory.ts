/**
 * The factory the registry calls for `kind: hyperliquid-market-data`: validates the manifest's
 * `options` (./options.ts) and builds the connector with the budgets the composition root
 * shares (one pair per egress IP), or private ones; the endpoints can be overridden (local mode
 * points them at the embedded simulator).
 */
import { parseAt } from '../../../core/index.js';
import type { ConnectorFactory } from '../contract.js';
import { HlMarketConnector, type HlMarketDeps } from './connector.js';
import { HlMarketOptions } from './options.js';

export const HL_MARKET_KIND = 'hyperliquid-market-data';

/** Endpoints the composition root knows better than the manifest (the embedded simulator's). */
export interface HlEndpointOverride {
  readonly wsUrl?: string;
  readonly infoUrl?: string;
}

export function hyperliquidMarketFactory(
  deps: HlMarketDeps = {},
  endpoints: HlEndpointOverride = {},
): ConnectorFactory {
  return (ctx) =>
    new HlMarketConnector({
      id: ctx.manifest.name,
      version: ctx.manifest.version,
      options: {
        ...parseAt(HlMarketOptions, ctx.manifest.options, `options of connector ${ctx.manifest.name}`),
        ...endpoints,
      },
      clock: ctx.clock,
      logger: ctx.logger,
      deps,
    });
}
