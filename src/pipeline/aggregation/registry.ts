/**
 * The aggregation registry: per-market window settings = the configured defaults overlaid with
 * the market's own entry. The defaults' values live once, in the config schema
 * (pipeline.aggregation); this only resolves and checks them, once per market.
 */
import { ConfigError } from '../../core/index.js';
import type { MarketSettings } from './engine.js';
import { checkMarketSettings } from './engine.js';

export interface AggregationRegistryConfig {
  readonly defaults: MarketSettings;
  readonly markets: Readonly<Record<string, Partial<MarketSettings>>>;
}

/** Throws, naming the market, when a resolved entry is inconsistent (e.g. cadence not tiling the epoch). */
export function settingsResolver(c: AggregationRegistryConfig): (marketId: string) => MarketSettings {
  const check = (id: string, s: MarketSettings): MarketSettings => {
    try {
      checkMarketSettings(s);
    } catch (err) {
      throw new ConfigError('CONFIG_INVALID', `pipeline.aggregation.${id}: ${(err as Error).message}`);
    }
    return s;
  };
  // Check every configured entry up front, so a bad override fails start-up, not the first event.
  check('defaults', c.defaults);
  for (const [id, o] of Object.entries(c.markets)) check(`markets.${id}`, { ...c.defaults, ...o });
  return (marketId) => {
    const o = c.markets[marketId];
    return o === undefined ? c.defaults : { ...c.defaults, ...o };
  };
}
