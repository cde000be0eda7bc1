/**
 * The record of everything the simulator produced: every fill of every tracked account in
 * production order, its TWAP slices, the resulting positions, and the trades tape per coin.
 * Tests compare what a client derived against this; the info handler and WS snapshots read
 * their history from it too, so what is served is exactly what was recorded.
 */
import type { Address } from '../core/index.js';
import type { CandleInterval } from './candles.js';
import type { Ledger } from './ledger.js';
import type { CtxFrameData, MarketData } from './market-data.js';
import { wire } from './markets.js';
import type { Block, TapeTrade, TwapSliceFill, WireBbo, WireCandle, WireFill } from './types.js';

/** Read-only view handed to tests (`sim.groundTruth`). */
export interface GroundTruth {
  /** The tracked accounts, lower-case. */
  readonly accounts: readonly Address[];
  /** Blocks produced so far. */
  blockHeight(): number;
  /** Every fill of `user` in the order produced (oldest first). */
  fills(user: string): readonly WireFill[];
  /** Every TWAP slice of `user` (oldest first). */
  twapSlices(user: string): readonly TwapSliceFill[];
  /** Non-zero positions/balances of `user` per coin (signed decimal strings, all market classes). */
  positions(user: string): Record<string, string>;
  /** The trades tape of one coin (oldest first), or of every coin when omitted. */
  trades(coin?: string): readonly TapeTrade[];
  /** Every kept candle of a coin and interval, oldest first (the newest may still be open). */
  candles(coin: string, interval: CandleInterval): readonly WireCandle[];
  /** The current best bid/offer of a coin. */
  bbo(coin: string): WireBbo | undefined;
  /** The current asset context frame (channel + data) of a coin. */
  assetCtx(coin: string): CtxFrameData | undefined;
  /** A JSON-able dump (used by GET /_control/ground-truth). */
  toJSON(user?: string): unknown;
}

/** Trades kept per coin; the oldest are dropped beyond this so a long demo run stays bounded. */
const MAX_TAPE_PER_COIN = 200_000;

export class GroundTruthStore implements GroundTruth {
  private readonly byUser = new Map<Address, WireFill[]>();
  private readonly slices = new Map<Address, TwapSliceFill[]>();
  private readonly tape = new Map<string, TapeTrade[]>();
  private height = 0;

  constructor(
    readonly accounts: readonly Address[],
    private readonly ledger: Ledger,
    private readonly market: MarketData,
  ) {
    for (const a of accounts) {
      this.byUser.set(a, []);
      this.slices.set(a, []);
    }
  }

  isTracked(user: string): boolean {
    return this.byUser.has(user as Address);
  }

  record(block: Block): void {
    this.height = block.height;
    for (const { user, fill } of block.fills) this.byUser.get(user)?.push(fill);
    for (const { user, slice } of block.twapSlices) this.slices.get(user)?.push(slice);
    for (const t of block.trades) {
      let list = this.tape.get(t.coin);
      if (!list) this.tape.set(t.coin, (list = []));
      list.push(t);
      if (list.length > MAX_TAPE_PER_COIN) list.splice(0, list.length - MAX_TAPE_PER_COIN);
    }
  }

  blockHeight(): number {
    return this.height;
  }

  fills(user: string): readonly WireFill[] {
    return this.byUser.get(user.toLowerCase() as Address) ?? [];
  }

  twapSlices(user: string): readonly TwapSliceFill[] {
    return this.slices.get(user.toLowerCase() as Address) ?? [];
  }

  positions(user: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [coin, p] of this.ledger.positions(user.toLowerCase() as Address)) out[coin] = wire(p.szi);
    return out;
  }

  trades(coin?: string): readonly TapeTrade[] {
    if (coin !== undefined) return this.tape.get(coin) ?? [];
    return [...this.tape.values()].flat().sort((a, b) => a.time - b.time);
  }

  candles(coin: string, interval: CandleInterval): readonly WireCandle[] {
    return this.market.candles.all(coin, interval);
  }

  bbo(coin: string): WireBbo | undefined {
    return this.market.bbo(coin);
  }

  assetCtx(coin: string): CtxFrameData | undefined {
    return this.market.assetCtx(coin);
  }

  /** The newest `n` fills, newest first (REST `userFills`, WS snapshots). */
  recent(user: string, n: number): WireFill[] {
    const all = this.fills(user);
    return all.slice(Math.max(0, all.length - n)).reverse();
  }

  /** Fills with start <= time <= end among the `horizon` most recent, oldest first. */
  byTime(user: string, start: number, end: number, horizon: number): WireFill[] {
    const all = this.fills(user);
    const reachable = all.slice(Math.max(0, all.length - horizon));
    return reachable.filter((f) => f.time >= start && f.time <= end);
  }

  toJSON(user?: string): unknown {
    const users = user !== undefined ? [user.toLowerCase()] : this.accounts;
    return {
      blockHeight: this.height,
      accounts: this.accounts,
      users: Object.fromEntries(
        users.map((u) => [
          u,
          { positions: this.positions(u), fills: this.fills(u), twapSlices: this.twapSlices(u) },
        ]),
      ),
      trades: user !== undefined ? undefined : Object.fromEntries(this.tape),
    };
  }
}
