/**
 * Candles aggregated from the simulator's own trades tape: every supported interval of every
 * coin is updated trade by trade (open, high, low, close, base volume, trade count), so what
 * `candle` pushes and `candleSnapshot` returns is exactly the tape, bucketed. Buckets are
 * aligned to the Unix epoch (UTC calendar months for `1M`); the close time is the next open
 * minus one millisecond, as on the real server.
 */
import { dec, type Decimal } from '../core/index.js';
import { wire } from './markets.js';
import type { TapeTrade, WireCandle } from './types.js';
import { CANDLE_INTERVALS, CandleInterval, candleBucket } from '../protocol/index.js';

// The simulator serves the very wire the protocol schema describes: its interval list and
// bucket arithmetic are the protocol's, so the two cannot drift.
export { CANDLE_INTERVALS, type CandleInterval } from '../protocol/index.js';

/** The real server serves only the most recent 5000 candles; older ones are dropped here too. */
export const CANDLES_KEPT = 5000;

export function isCandleInterval(s: unknown): s is CandleInterval {
  return CandleInterval.safeParse(s).success;
}

/** [open, close] of the bucket holding `time` (both inclusive). */
export const bucketOf = candleBucket;

interface Bar {
  t: number;
  T: number;
  o: Decimal;
  h: Decimal;
  l: Decimal;
  c: Decimal;
  v: Decimal;
  n: number;
}

function toWire(coin: string, interval: CandleInterval, b: Bar): WireCandle {
  return {
    t: b.t,
    T: b.T,
    s: coin,
    i: interval,
    o: wire(b.o),
    c: wire(b.c),
    h: wire(b.h),
    l: wire(b.l),
    v: wire(b.v),
    n: b.n,
  };
}

export class CandleBook {
  private readonly series = new Map<string, Bar[]>();

  private key(coin: string, interval: CandleInterval): string {
    return `${coin}|${interval}`;
  }

  /** Fold one trade into the current bar of every interval of its coin. */
  add(trade: TapeTrade): void {
    const px = dec(trade.px);
    const sz = dec(trade.sz);
    for (const interval of CANDLE_INTERVALS) {
      const k = this.key(trade.coin, interval);
      let bars = this.series.get(k);
      if (!bars) this.series.set(k, (bars = []));
      const last = bars[bars.length - 1];
      if (last && trade.time <= last.T) {
        // Compare, don't construct: this runs once per trade per interval.
        if (px.gt(last.h)) last.h = px;
        if (px.lt(last.l)) last.l = px;
        last.c = px;
        last.v = last.v.plus(sz);
        last.n += 1;
        continue;
      }
      const { t, T } = bucketOf(interval, trade.time);
      bars.push({ t, T, o: px, h: px, l: px, c: px, v: sz, n: 1 });
      if (bars.length > CANDLES_KEPT) bars.splice(0, bars.length - CANDLES_KEPT);
    }
  }

  /** The bar currently being built (the newest), if the coin ever traded. */
  latest(coin: string, interval: CandleInterval): WireCandle | undefined {
    const bars = this.series.get(this.key(coin, interval));
    const last = bars?.[bars.length - 1];
    return last ? toWire(coin, interval, last) : undefined;
  }

  /** Every kept bar, oldest first. */
  all(coin: string, interval: CandleInterval): WireCandle[] {
    return (this.series.get(this.key(coin, interval)) ?? []).map((b) => toWire(coin, interval, b));
  }

  /**
   * `candleSnapshot`: bars overlapping [start, end] among the `horizon` most recent, oldest
   * first. Buckets without trades have no bar (the real server skips them too).
   */
  range(coin: string, interval: CandleInterval, start: number, end: number, horizon: number): WireCandle[] {
    const bars = this.series.get(this.key(coin, interval)) ?? [];
    return bars
      .slice(Math.max(0, bars.length - horizon))
      .filter((b) => b.T >= start && b.t <= end)
      .map((b) => toWire(coin, interval, b));
  }
}
