/**
 * Market mapping (M0 §6): a connector's native symbols to canonical market ids, domains, shard
 * counts and time bounds, from its connector.yaml table. Rules: an exact `native` entry wins;
 * otherwise a `*` entry applies with `{native}` in its marketId replaced by the symbol; a symbol
 * neither covers is unmapped (the pipeline quarantines it as UNMAPPED_MARKET).
 */
import type { ConnectorManifest, MarketMapping, TimeBounds } from '../connectors/index.js';
import { boundsFor } from '../connectors/index.js';

export interface MappedMarket {
  readonly marketId: string;
  readonly domain: string;
  readonly shards: number;
  readonly bounds: TimeBounds;
}

export const WILDCARD = '*';

export class MarketMap {
  private readonly exact = new Map<string, MappedMarket>();
  private readonly wildcard: MarketMapping | undefined;
  private readonly fromWildcard = new Map<string, MappedMarket>();

  constructor(private readonly manifest: ConnectorManifest) {
    for (const m of manifest.markets) {
      if (m.native === WILDCARD) continue;
      this.exact.set(m.native, {
        marketId: m.marketId,
        domain: m.domain,
        shards: m.shards,
        bounds: boundsFor(manifest, m),
      });
    }
    this.wildcard = manifest.markets.find((m) => m.native === WILDCARD);
  }

  map(native: string): MappedMarket | undefined {
    const hit = this.exact.get(native);
    if (hit !== undefined || this.wildcard === undefined) return hit;
    let w = this.fromWildcard.get(native);
    if (w === undefined) {
      const mk = this.wildcard;
      w = {
        marketId: mk.marketId.replaceAll('{native}', native),
        domain: mk.domain,
        shards: mk.shards,
        bounds: boundsFor(this.manifest, mk),
      };
      // Bounded by the source's symbol universe; a hostile source could grow it, so cap it.
      if (this.fromWildcard.size < 100_000) this.fromWildcard.set(native, w);
    }
    return w;
  }
}
