/**
 * CandleBook folds each trade into the open minute only and a closed minute into the longer
 * intervals; what it serves must still equal the tape bucketed trade by trade, for every
 * interval, at every moment (the open minute merged in), and keep only the newest CANDLES_KEPT.
 */
import { describe, expect, it } from 'vitest';
import { Decimal, dec } from '../../src/core/index.js';
import { CANDLES_KEPT, CANDLE_INTERVALS, CandleBook, bucketOf } from '../../src/sim/candles.js';
import type { CandleInterval } from '../../src/sim/candles.js';
import type { TapeTrade, WireCandle } from '../../src/sim/types.js';
import { candleByValue } from './helpers.js';

/** The naive aggregation: every trade into every interval's bar (what the book did before). */
function fold(out: WireCandle[], t: TapeTrade, interval: CandleInterval): void {
  const last = out[out.length - 1];
  if (last && t.time <= last.T) {
    last.h = Decimal.max(dec(last.h), dec(t.px)).toString();
    last.l = Decimal.min(dec(last.l), dec(t.px)).toString();
    last.c = dec(t.px).toString();
    last.v = dec(last.v).plus(dec(t.sz)).toString();
    last.n += 1;
    return;
  }
  const { t: open, T } = bucketOf(interval, t.time);
  const px = dec(t.px).toString();
  out.push({ t: open, T, s: t.coin, i: interval, o: px, c: px, h: px, l: px, v: dec(t.sz).toString(), n: 1 });
}

function naive(trades: readonly TapeTrade[], interval: CandleInterval): WireCandle[] {
  const out: WireCandle[] = [];
  for (const t of trades) fold(out, t, interval);
  return out.slice(Math.max(0, out.length - CANDLES_KEPT));
}

function at<T>(xs: readonly T[], i: number): T {
  const x = xs.at(i);
  if (x === undefined) throw new Error(`no element ${i}`);
  return x;
}

const byValue = candleByValue;

/** A deterministic tape: gaps from 0 to `maxGapMs`, prices and sizes with up to 4 decimals. */
function tape(n: number, maxGapMs: number, start = Date.UTC(2026, 0, 30, 23, 0)): TapeTrade[] {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  let time = start;
  return Array.from({ length: n }, (_, tid) => {
    time += Math.floor(rnd() * maxGapMs);
    return {
      coin: 'BTC',
      side: rnd() < 0.5 ? 'B' : 'A',
      px: (90_000 + Math.floor(rnd() * 2_000_000) / 100).toFixed(2),
      sz: (Math.floor(rnd() * 100_000) / 10_000).toString(),
      time,
      hash: '0x0',
      tid,
      users: ['0xa', '0xb'],
    };
  });
}

describe('CandleBook', () => {
  it('serves, for every interval and after every trade, the tape bucketed trade by trade', () => {
    // 1 200 trades, up to 20 min apart (8 days or so): crosses minutes, hours, days, a week and
    // a month end.
    const trades = tape(1200, 20 * 60_000);
    expect(at(trades, -1).time - at(trades, 0).time).toBeGreaterThan(7 * 86_400_000);
    const book = new CandleBook();
    const expectedSoFar = new Map(CANDLE_INTERVALS.map((i) => [i, [] as WireCandle[]]));
    const latest = (i: CandleInterval): WireCandle => {
      const c = book.latest('BTC', i);
      if (!c) throw new Error(`no ${i} candle`);
      return c;
    };
    for (const t of trades) {
      book.add(t);
      for (const interval of CANDLE_INTERVALS) {
        const bars = expectedSoFar.get(interval) ?? [];
        fold(bars, t, interval);
        expect(byValue(latest(interval))).toEqual(byValue(at(bars, -1)));
      }
    }
    for (const interval of CANDLE_INTERVALS) {
      const expected = naive(trades, interval);
      expect(expected.length).toBeGreaterThan(0);
      expect(book.all('BTC', interval).map(byValue)).toEqual(expected.map(byValue));
    }
    // Many trades a minute as well (the hot case), and a range read over the merged view.
    const dense = tape(3000, 2_000);
    const denseBook = new CandleBook();
    for (const t of dense) denseBook.add(t);
    for (const interval of ['1m', '5m', '1h'] as const) {
      expect(denseBook.all('BTC', interval).map(byValue)).toEqual(naive(dense, interval).map(byValue));
    }
    const fives = naive(dense, '5m');
    const from = at(fives, 2).t;
    const to = at(fives, -1).T;
    expect(denseBook.range('BTC', '5m', from, to, 1000).map(byValue)).toEqual(fives.slice(2).map(byValue));
  });

  it('keeps the newest CANDLES_KEPT bars of an interval', () => {
    // One trade a minute, just past the cap.
    const trades = tape(CANDLES_KEPT + 30, 1).map((t, i) => ({
      ...t,
      time: Date.UTC(2026, 0, 1) + i * 60_000,
    }));
    const book = new CandleBook();
    for (const t of trades) book.add(t);
    const minutes = book.all('BTC', '1m');
    expect(minutes).toHaveLength(CANDLES_KEPT);
    expect(minutes.map(byValue)).toEqual(naive(trades, '1m').map(byValue));
    expect(book.all('BTC', '1h').map(byValue)).toEqual(naive(trades, '1h').map(byValue));
    expect(book.latest('ETH', '1m')).toBeUndefined();
    expect(book.all('ETH', '1h')).toEqual([]);
  });
});
