/**
 * Accounts and positions: the exact signed position (perps) or balance (spot/outcome) of every
 * account per coin, its average entry price and realized PnL. The engine asks the ledger what a
 * fill does (start, end, dir, closedPnl) so every fill it emits chains from the previous one.
 */
import { Decimal, ZERO, sign, type Address, type MarketClass } from '../core/index.js';
import { isPerpClass } from './markets.js';

export interface Position {
  szi: Decimal;
  entryPx: Decimal;
  realizedPnl: Decimal;
}

export interface FillEffect {
  start: Decimal;
  end: Decimal;
  dir: string;
  closedPnl: Decimal;
}

/** The `dir` label Hyperliquid shows for a fill that moves `start` to `end`. */
export function dirOf(cls: MarketClass, start: Decimal, end: Decimal, side: 'B' | 'A'): string {
  if (!isPerpClass(cls)) return side === 'B' ? 'Buy' : 'Sell';
  const s = sign(start);
  const e = sign(end);
  if (s === 0) return e > 0 ? 'Open Long' : 'Open Short';
  if (e !== 0 && e !== s) return s > 0 ? 'Long > Short' : 'Short > Long';
  if (end.abs().greaterThan(start.abs())) return s > 0 ? 'Open Long' : 'Open Short';
  return s > 0 ? 'Close Long' : 'Close Short';
}

export class Ledger {
  private readonly book = new Map<Address, Map<string, Position>>();

  get(user: Address, coin: string): Position {
    let m = this.book.get(user);
    if (!m) this.book.set(user, (m = new Map()));
    let p = m.get(coin);
    if (!p) m.set(coin, (p = { szi: ZERO, entryPx: ZERO, realizedPnl: ZERO }));
    return p;
  }

  size(user: Address, coin: string): Decimal {
    return this.book.get(user)?.get(coin)?.szi ?? ZERO;
  }

  /** Non-zero positions of a user (all market classes). */
  positions(user: Address): Map<string, Position> {
    const out = new Map<string, Position>();
    for (const [coin, p] of this.book.get(user) ?? []) if (!p.szi.isZero()) out.set(coin, p);
    return out;
  }

  /** Open interest of a coin: the sum of every account's long position (longs = shorts). */
  openInterest(coin: string): Decimal {
    let oi = ZERO;
    for (const m of this.book.values()) {
      const p = m.get(coin);
      if (p?.szi.isPositive()) oi = oi.plus(p.szi);
    }
    return oi;
  }

  /** What a fill would do, without applying it. */
  preview(
    user: Address,
    coin: string,
    cls: MarketClass,
    side: 'B' | 'A',
    sz: Decimal,
    px: Decimal,
  ): FillEffect {
    const p = this.get(user, coin);
    const start = p.szi;
    const end = side === 'B' ? start.plus(sz) : start.minus(sz);
    const reducing = !start.isZero() && (side === 'B') !== start.isPositive();
    const closedSz = reducing ? Decimal.min(sz, start.abs()) : ZERO;
    const closedPnl = closedSz.times(px.minus(p.entryPx)).times(start.isPositive() ? 1 : -1);
    return { start, end, dir: dirOf(cls, start, end, side), closedPnl };
  }

  /** Apply a fill and return its effect. */
  apply(
    user: Address,
    coin: string,
    cls: MarketClass,
    side: 'B' | 'A',
    sz: Decimal,
    px: Decimal,
  ): FillEffect {
    const eff = this.preview(user, coin, cls, side, sz, px);
    const p = this.get(user, coin);
    const { start, end } = eff;
    if (end.isZero()) p.entryPx = ZERO;
    else if (start.isZero() || sign(start) !== sign(end)) p.entryPx = px;
    else if (end.abs().greaterThan(start.abs())) {
      p.entryPx = p.entryPx.times(start.abs()).plus(px.times(sz)).dividedBy(end.abs());
    }
    p.szi = end;
    p.realizedPnl = p.realizedPnl.plus(eff.closedPnl);
    return eff;
  }
}
