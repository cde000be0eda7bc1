/**
 * Cross-source divergence (M0 §7): per market, the latest trade price, book mid and mark (from
 * whichever connectors deliver them for that market_id). When a new one arrives and another
 * kind is recent in event time, a gap beyond `thresholdBps` of the other flags
 * SOURCE_DIVERGENCE on the new event (the earlier event is already published).
 */
export const PRICE_KINDS = ['trade', 'mid', 'mark'] as const;
export type PriceKind = (typeof PRICE_KINDS)[number];

export interface DivergenceSettings {
  readonly thresholdBps: number;
  readonly maxAgeMs: number;
}

export interface Divergence {
  readonly marketId: string;
  readonly kind: PriceKind;
  readonly against: PriceKind;
  readonly bps: number;
}

interface Last {
  value: number;
  timeMs: number;
}

export class DivergenceTracker {
  private readonly last = new Map<string, Partial<Record<PriceKind, Last>>>();

  constructor(private readonly s: DivergenceSettings) {}

  /** Records the price and returns the worst divergence against the other kinds, if any. */
  observe(marketId: string, kind: PriceKind, value: number, timeMs: number): Divergence | undefined {
    let m = this.last.get(marketId);
    if (m === undefined) this.last.set(marketId, (m = {}));
    let worst: Divergence | undefined;
    for (const other of PRICE_KINDS) {
      if (other === kind) continue;
      const o = m[other];
      if (o === undefined || Math.abs(o.timeMs - timeMs) > this.s.maxAgeMs || o.value <= 0) continue;
      const bps = (Math.abs(value - o.value) / o.value) * 10_000;
      if (bps > this.s.thresholdBps && (worst === undefined || bps > worst.bps))
        worst = { marketId, kind, against: other, bps };
    }
    const mine = m[kind];
    if (mine === undefined) m[kind] = { value, timeMs };
    else if (timeMs >= mine.timeMs) {
      mine.value = value;
      mine.timeMs = timeMs;
    }
    return worst;
  }
}
