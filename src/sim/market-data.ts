/**
 * The market-data side of the simulated exchange, derived from its own trades so every feed
 * agrees with the tape: candles (./candles.ts), the best bid/offer around each coin's last
 * trade price, and the asset context (mark from the engine's mark walk, an oracle a few basis
 * points away, funding from the premium, open interest from the ledger, rolling 24 h volume).
 * Deterministic with the seed: the bbo draws come from their own seeded stream and are drawn
 * only for coins that traded in a block; the oracle offset is a hash of (seed, coin, height),
 * so the values do not depend on who subscribes or asks.
 */
import { Decimal, ZERO, dec } from '../core/index.js';
import { CandleBook } from './candles.js';
import type { Ledger } from './ledger.js';
import { MARKETS, isPerpClass, marketOf, round, wire, type Market } from './markets.js';
import { Prng } from './prng.js';
import type { Block, TapeTrade, WireBbo, WireLevel, WirePerpCtx, WireSpotCtx } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Hourly funding is clamped like the real 4 %/h cap. */
const FUNDING_CAP = new Decimal('0.04');
/** The interest-rate part of funding (0.01 % per 8 h, paid hourly). */
const FUNDING_INTEREST = new Decimal('0.0000125');
/** Oracle offset from the mark: uniform in ±5 bps. */
const ORACLE_BPS = 5;
const SPOT_SUPPLY = '1000000000.0';
/** recentTrades never serves more than this per coin. */
const RECENT_KEPT = 1000;

interface DayWindow {
  trades: { time: number; px: Decimal; sz: Decimal }[];
  head: number;
  ntl: Decimal;
  base: Decimal;
  prevDayPx: Decimal;
}

export type CtxFrameData =
  | { channel: 'activeAssetCtx'; data: { coin: string; ctx: WirePerpCtx } }
  | { channel: 'activeSpotAssetCtx'; data: { coin: string; ctx: WireSpotCtx } };

export class MarketData {
  readonly candles = new CandleBook();
  private readonly prng: Prng;
  private readonly bbos = new Map<string, WireBbo>();
  private readonly day = new Map<string, DayWindow>();
  /** Each coin's newest trades (at most 2 × RECENT_KEPT), for `recentTrades`. */
  private readonly recent = new Map<string, TapeTrade[]>();
  private height = 0;
  private time = 0;

  constructor(
    private readonly seed: number | string,
    private readonly ledger: Ledger,
    private readonly mark: (coin: string) => Decimal,
  ) {
    this.prng = new Prng(`${String(seed)}/quotes`);
    for (const m of MARKETS) {
      this.bbos.set(m.coin, this.quote(m, new Decimal(m.startPx), 0, false));
      this.day.set(m.coin, { trades: [], head: 0, ntl: ZERO, base: ZERO, prevDayPx: new Decimal(m.startPx) });
    }
  }

  /** Fold a produced block in; returns the coins whose bbo changed (they traded). */
  record(block: Block): Set<string> {
    this.height = block.height;
    this.time = block.time;
    const last = new Map<string, Decimal>();
    for (const t of block.trades) {
      this.candles.add(t);
      this.keepRecent(t);
      const px = dec(t.px);
      last.set(t.coin, px);
      const w = this.window(t.coin);
      const sz = dec(t.sz);
      w.trades.push({ time: t.time, px, sz });
      w.ntl = w.ntl.plus(px.times(sz));
      w.base = w.base.plus(sz);
    }
    for (const w of this.day.values()) this.expire(w, block.time);
    for (const [coin, px] of last) {
      const m = marketOf(coin);
      if (m) this.bbos.set(coin, this.quote(m, px, block.time, true));
    }
    return new Set(last.keys());
  }

  bbo(coin: string): WireBbo | undefined {
    return this.bbos.get(coin);
  }

  /** The asset context frame of a coin: perps on `activeAssetCtx`, spot/outcome on `activeSpotAssetCtx`. */
  assetCtx(coin: string): CtxFrameData | undefined {
    const m = marketOf(coin);
    const bbo = this.bbos.get(coin);
    const w = this.day.get(coin);
    if (!m || !bbo || !w) return undefined;
    const bid = bbo.bbo[0] ? dec(bbo.bbo[0].px) : undefined;
    const ask = bbo.bbo[1] ? dec(bbo.bbo[1].px) : undefined;
    const mark = this.mark(coin);
    const mid = bid && ask ? bid.plus(ask).dividedBy(2) : mark;
    const common = {
      prevDayPx: wire(w.prevDayPx),
      dayNtlVlm: wire(round(w.ntl, 6)),
      markPx: wire(mark),
      midPx: wire(round(mid, m.pxDecimals + 1)),
      dayBaseVlm: wire(w.base),
    };
    if (!isPerpClass(m.cls)) {
      return {
        channel: 'activeSpotAssetCtx',
        data: {
          coin,
          ctx: {
            prevDayPx: common.prevDayPx,
            dayNtlVlm: common.dayNtlVlm,
            markPx: common.markPx,
            midPx: common.midPx,
            circulatingSupply: SPOT_SUPPLY,
            coin,
            totalSupply: SPOT_SUPPLY,
            dayBaseVlm: common.dayBaseVlm,
          },
        },
      };
    }
    const offsetBps = new Prng(`${String(this.seed)}/oracle/${coin}/${this.height}`).next() * 2 - 1;
    const oracle = round(mark.times(1 + (offsetBps * ORACLE_BPS) / 10_000), m.pxDecimals + 1);
    const premium = round(mark.minus(oracle).dividedBy(oracle), 8);
    const rawFunding = premium.dividedBy(8).plus(FUNDING_INTEREST);
    const funding = round(Decimal.max(FUNDING_CAP.negated(), Decimal.min(FUNDING_CAP, rawFunding)), 10);
    return {
      channel: 'activeAssetCtx',
      data: {
        coin,
        ctx: {
          funding: wire(funding),
          openInterest: wire(this.ledger.openInterest(coin)),
          prevDayPx: common.prevDayPx,
          dayNtlVlm: common.dayNtlVlm,
          premium: wire(premium),
          oraclePx: wire(oracle),
          markPx: common.markPx,
          midPx: common.midPx,
          impactPxs: [wire(bid ?? mark), wire(ask ?? mark)],
          dayBaseVlm: common.dayBaseVlm,
        },
      },
    };
  }

  /** `recentTrades`: the coin's newest `n` trades as the `trades` channel pushed them, newest first. */
  recentTrades(coin: string, n: number): TapeTrade[] {
    const r = this.recent.get(coin) ?? [];
    return r.slice(Math.max(0, r.length - n)).reverse();
  }

  private keepRecent(t: TapeTrade): void {
    let r = this.recent.get(t.coin);
    if (!r) this.recent.set(t.coin, (r = []));
    r.push(t);
    if (r.length > 2 * RECENT_KEPT) r.splice(0, r.length - RECENT_KEPT);
  }

  /** Block time of the last recorded block (0 before the first). */
  lastTime(): number {
    return this.time;
  }

  private window(coin: string): DayWindow {
    let w = this.day.get(coin);
    if (!w) this.day.set(coin, (w = { trades: [], head: 0, ntl: ZERO, base: ZERO, prevDayPx: ZERO }));
    return w;
  }

  /** Drop trades older than 24 h; the newest dropped one's price is the previous day's price. */
  private expire(w: DayWindow, now: number): void {
    while (w.head < w.trades.length && (w.trades[w.head] as { time: number }).time <= now - DAY_MS) {
      const t = w.trades[w.head++] as { px: Decimal; sz: Decimal };
      w.ntl = w.ntl.minus(t.px.times(t.sz));
      w.base = w.base.minus(t.sz);
      w.prevDayPx = t.px;
    }
    if (w.head > 1024 && w.head * 2 > w.trades.length) {
      w.trades.splice(0, w.head);
      w.head = 0;
    }
  }

  /** Best bid/ask 1–3 ticks either side of `px` (never crossing, never ≤ 0). */
  private quote(m: Market, px: Decimal, time: number, draw: boolean): WireBbo {
    const tick = new Decimal(1).dividedBy(new Decimal(10).pow(m.pxDecimals));
    const lot = new Decimal(m.lot);
    const level = (p: Decimal): WireLevel => ({
      px: wire(p),
      sz: wire(lot.times(draw ? this.prng.range(1, 50) : 1)),
      n: draw ? this.prng.range(1, 5) : 1,
    });
    const down = draw ? this.prng.range(1, 3) : 1;
    const up = draw ? this.prng.range(1, 3) : 1;
    const bidPx = px.minus(tick.times(down));
    const bid = bidPx.greaterThan(0) ? level(bidPx) : null;
    const ask = level(px.plus(tick.times(up)));
    return { coin: m.coin, time, bbo: [bid, ask] };
  }
}
