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

/**
 * One coin's bars. Every bucket of every interval starts on a minute boundary, so the open
 * minute lies inside the current bar of each longer interval: a trade updates the 1m bar alone,
 * and a minute is folded into the longer intervals once, when the next minute starts (13
 * decimal updates a minute instead of 13 a trade). Until then a read merges it in.
 */
interface Series {
  /** Per interval, in CANDLE_INTERVALS order, oldest first; the last 1m bar is the open minute. */
  readonly bars: Bar[][];
}

const MINUTE = CANDLE_INTERVALS.indexOf('1m');

function merged(bar: Bar, minute: Bar): Bar {
  return {
    t: bar.t,
    T: bar.T,
    o: bar.o,
    h: minute.h.gt(bar.h) ? minute.h : bar.h,
    l: minute.l.lt(bar.l) ? minute.l : bar.l,
    c: minute.c,
    v: bar.v.plus(minute.v),
    n: bar.n + minute.n,
  };
}

export class CandleBook {
  private readonly coins = new Map<string, Series>();

  /** Fold one trade into its coin's open minute (starting a new one folds the last one in). */
  add(trade: TapeTrade): void {
    const px = dec(trade.px);
    const sz = dec(trade.sz);
    let series = this.coins.get(trade.coin);
    if (!series) this.coins.set(trade.coin, (series = { bars: CANDLE_INTERVALS.map(() => []) }));
    const minutes = series.bars[MINUTE] as Bar[];
    const open = minutes[minutes.length - 1];
    if (open && trade.time <= open.T) {
      // Compare, don't construct: this runs once per trade.
      if (px.gt(open.h)) open.h = px;
      if (px.lt(open.l)) open.l = px;
      open.c = px;
      open.v = open.v.plus(sz);
      open.n += 1;
      return;
    }
    if (open) this.foldMinute(series, open);
    const { t, T } = bucketOf('1m', trade.time);
    push(minutes, { t, T, o: px, h: px, l: px, c: px, v: sz, n: 1 });
  }

  /** The bar currently being built (the newest), if the coin ever traded. */
  latest(coin: string, interval: CandleInterval): WireCandle | undefined {
    const series = this.coins.get(coin);
    const current = series && this.current(series, CANDLE_INTERVALS.indexOf(interval));
    return current ? toWire(coin, interval, current.bar) : undefined;
  }

  /** Every kept bar, oldest first. */
  all(coin: string, interval: CandleInterval): WireCandle[] {
    return this.view(coin, interval).map((b) => toWire(coin, interval, b));
  }

  /**
   * `candleSnapshot`: bars overlapping [start, end] among the `horizon` most recent, oldest
   * first. Buckets without trades have no bar (the real server skips them too).
   */
  range(coin: string, interval: CandleInterval, start: number, end: number, horizon: number): WireCandle[] {
    const bars = this.view(coin, interval);
    return bars
      .slice(Math.max(0, bars.length - horizon))
      .filter((b) => b.T >= start && b.t <= end)
      .map((b) => toWire(coin, interval, b));
  }

  /** A closed minute joins the current bar of every longer interval, or starts its next one. */
  private foldMinute(series: Series, minute: Bar): void {
    for (let i = 0; i < CANDLE_INTERVALS.length; i++) {
      if (i === MINUTE) continue;
      const bars = series.bars[i] as Bar[];
      const last = bars[bars.length - 1];
      if (last && minute.t <= last.T) bars[bars.length - 1] = merged(last, minute);
      else {
        const bucket = bucketOf(CANDLE_INTERVALS[i] as CandleInterval, minute.t);
        push(bars, { ...minute, t: bucket.t, T: bucket.T });
      }
    }
  }

  /**
   * An interval's newest bar with the open minute merged in, and whether it replaces the last
   * stored bar (false: the minute starts a bar of its own).
   */
  private current(series: Series, i: number): { bar: Bar; replacesLast: boolean } | undefined {
    const bars = series.bars[i] as Bar[];
    const minutes = series.bars[MINUTE] as Bar[];
    const open = minutes[minutes.length - 1];
    const last = bars[bars.length - 1];
    if (i === MINUTE || !open) return last && { bar: last, replacesLast: true };
    if (last && open.t <= last.T) return { bar: merged(last, open), replacesLast: true };
    const bucket = bucketOf(CANDLE_INTERVALS[i] as CandleInterval, open.t);
    return { bar: { ...open, t: bucket.t, T: bucket.T }, replacesLast: false };
  }

  /** An interval's kept bars, oldest first, the open minute merged in. */
  private view(coin: string, interval: CandleInterval): readonly Bar[] {
    const series = this.coins.get(coin);
    if (!series) return [];
    const i = CANDLE_INTERVALS.indexOf(interval);
    const bars = series.bars[i] as Bar[];
    const current = this.current(series, i);
    if (!current || i === MINUTE) return bars;
    const out = [...(current.replacesLast ? bars.slice(0, -1) : bars), current.bar];
    return out.length > CANDLES_KEPT ? out.slice(out.length - CANDLES_KEPT) : out;
  }
}

function push(bars: Bar[], bar: Bar): void {
  bars.push(bar);
  if (bars.length > CANDLES_KEPT) bars.splice(0, bars.length - CANDLES_KEPT);
}
