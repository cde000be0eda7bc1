/**
 * Hyperliquid history as RangeSources (kind 'time'): closed candles from REST `candleSnapshot`
 * for every (coin, interval) of the hyperliquid-market-data manifest, normalized by that
 * connector exactly as its live catch-up path does (same record shape, so the same event ids).
 * A chunk [from, to) owns the candles whose open time lies in it; a candle still forming (its
 * close + grace not yet past) is left out, so a chunk's output never changes once fetched.
 * receivedAtMs is the candle's close + 1 ms (deterministic, the earliest a live feed knows it).
 */
import type { CandleInterval } from '../../protocol/index.js';
import type { RawRecord } from '../connectors/index.js';
import type { HlMarketOptions } from '../connectors/hyperliquid/index.js';
import { closedCandleRecord, HlMarketConnector } from '../connectors/hyperliquid/index.js';
import { AssemblingRangeSource } from './assembling-source.js';
import { backfillInfoClient } from './hl-info.js';
import type { HlRangeSourceBase } from './hl-info.js';

/** `manifest`: the hyperliquid-market-data connector's. */
export interface HlCandleRangeSourceOptions extends HlRangeSourceBase {
  readonly options: HlMarketOptions;
}

export function hlCandleRangeSource(o: HlCandleRangeSourceOptions): AssemblingRangeSource {
  const info = backfillInfoClient({
    connector: o.manifest.name,
    url: o.options.infoUrl,
    clock: o.clock,
    logger: o.logger,
  });
  // The connector only normalizes here (pure); it never connects.
  const connector = new HlMarketConnector({
    id: o.manifest.name,
    version: o.manifest.version,
    options: o.options,
    clock: o.clock,
    logger: o.logger,
  });
  const grace = o.options.candles.closeGraceMs;
  return new AssemblingRangeSource({
    kind: 'time',
    connector,
    manifest: o.manifest,
    validation: o.validation,
    ...(o.onQuarantine !== undefined ? { onQuarantine: o.onQuarantine } : {}),
    fetchRaw: async (chunk, signal) => {
      const now = o.clock.now();
      const out: RawRecord[] = [];
      for (const coin of o.options.coins) {
        for (const interval of o.options.candles.intervals as readonly CandleInterval[]) {
          const candles = await info.candleSnapshot(coin, interval, chunk.from, chunk.to - 1, { signal });
          for (const c of candles) {
            if (c.t < chunk.from || c.t >= chunk.to || c.T + grace > now) continue;
            out.push(closedCandleRecord(c, 'candleSnapshot', c.T + 1, o.options.infoUrl));
          }
        }
      }
      return out;
    },
  });
}
