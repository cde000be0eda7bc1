/**
 * What a dropped `trades` socket can get back. REST `recentTrades` returns only a coin's newest
 * trades (no time range, no paging), so a catch-up recovers the trades newer than the last one
 * seen before the drop, and knows whether it recovered all of them: only when the window
 * reaches back to that last trade (or before it) is nothing in between missing.
 * Recovered trades keep their live identity (`trade:<coin>:<time>:<tid>`), so a trade that
 * also arrives on the new socket is one event id and dedup keeps one.
 */

interface TradeRef {
  readonly coin: string;
  readonly time: number;
  readonly tid: number;
}

/** The newest trade time seen for a coin and the tids seen at that time. */
export interface TradeMark {
  readonly time: number;
  readonly tids: ReadonlySet<number>;
}

export interface TradeGapResult<T extends TradeRef> {
  /** Trades newer than the mark, oldest first. */
  readonly missed: T[];
  /** True when the window overlaps the mark, so no trade of the gap can be missing. */
  readonly complete: boolean;
}

export class TradeGap {
  private readonly marks = new Map<string, { time: number; tids: Set<number> }>();

  /** From when a coin is followed (its first subscription ack): trades before it are not owed. */
  follow(coin: string, since: number): void {
    if (!this.marks.has(coin)) this.marks.set(coin, { time: since - 1, tids: new Set() });
  }

  /** Live trades as they arrive. */
  seen(trades: readonly TradeRef[]): void {
    for (const t of trades) {
      const m = this.marks.get(t.coin);
      if (m === undefined) continue;
      if (t.time > m.time) {
        m.time = t.time;
        m.tids = new Set([t.tid]);
      } else if (t.time === m.time) m.tids.add(t.tid);
    }
  }

  /** A copy of the coin's mark, taken when the resubscribe is acknowledged (before new trades move it). */
  mark(coin: string): TradeMark | undefined {
    const m = this.marks.get(coin);
    return m === undefined ? undefined : { time: m.time, tids: new Set(m.tids) };
  }
}

/** The trades of a `recentTrades` answer that the gap after `mark` lost. */
export function tradesAfter<T extends TradeRef>(mark: TradeMark, fetched: readonly T[]): TradeGapResult<T> {
  const sorted = [...fetched].sort((a, b) => a.time - b.time || a.tid - b.tid);
  const missed = sorted.filter((t) => t.time > mark.time || (t.time === mark.time && !mark.tids.has(t.tid)));
  const oldest = sorted[0];
  return { missed, complete: oldest !== undefined && oldest.time <= mark.time };
}
