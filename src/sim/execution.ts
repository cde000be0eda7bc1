/**
 * Order execution inside one block: a taker order matched against one or more resting maker
 * orders produces, per match, one fill for each side (same tid, same time), a tape entry, and
 * order updates. This is where the exchange-consistency rules live: partial fills chain their
 * startPosition, both halves of a self-trade report the same startPosition, TWAP slices carry a
 * zero hash, a liquidated taker's fills say "Liquidated …" and every fill of the match carries
 * the liquidation object naming the liquidated account.
 */
import { Decimal, ZERO, marketClass, type Address } from '../core/index.js';
import type { Ledger } from './ledger.js';
import { isPerpClass, marketOf, round, wire } from './markets.js';
import type { Prng } from './prng.js';
import { ZERO_HASH, type Block, type WireFill, type WireLiquidation } from './types.js';

const TAKER_FEE: Record<string, string> = { perp: '0.00045', hip3: '0.0009', spot: '0.0007', outcome: '0' };
const MAKER_FEE: Record<string, string> = { perp: '0.00015', hip3: '0.0003', spot: '0.0004', outcome: '0' };
/** Share of maker fills whose hash is all zeros (observed ~28% of fills overall). */
const MAKER_ZERO_HASH_P = 0.35;

/** Unique ids: oids grow like the real ones (~5e11), tids are random 50-bit values, never reused. */
export class IdSource {
  private nextOid: number;
  private nextLid = 1;
  private nextTwap: number;
  private readonly usedTids = new Set<number>();

  constructor(private readonly prng: Prng) {
    this.nextOid = 500_000_000_000 + prng.int(1_000_000);
    this.nextTwap = 2_000_000 + prng.int(100_000);
  }
  oid(): number {
    this.nextOid += this.prng.range(1, 97);
    return this.nextOid;
  }
  tid(): number {
    for (;;) {
      const t = this.prng.int50();
      if (t > 1_000_000 && !this.usedTids.has(t)) {
        this.usedTids.add(t);
        return t;
      }
    }
  }
  lid(): number {
    return this.nextLid++;
  }
  twapId(): number {
    return this.nextTwap++;
  }
}

export interface ExecContext {
  readonly ledger: Ledger;
  readonly prng: Prng;
  readonly ids: IdSource;
  readonly isTracked: (user: Address) => boolean;
  readonly mark: (coin: string) => Decimal;
  /** Whether a TWAP slice delivered on userFills carries its twapId (the inner slice fill never does). */
  readonly twapIdInUserFills: boolean;
}

export interface OrderSpec {
  user: Address;
  coin: string;
  side: 'B' | 'A';
  sz: Decimal;
  px: Decimal;
  /** One resting order per entry, in match order; may contain `user` itself (a self-trade). */
  makers: readonly Address[];
  twapId?: number;
  /** The taker is being liquidated. */
  liquidation?: 'market' | 'backstop';
  /** Overrides the makers' dir and zeroes their fee (Auto-Deleveraging). */
  makerDir?: string;
  cloid?: string;
}

export class BlockBuilder {
  readonly block: Block;

  constructor(
    private readonly ctx: ExecContext,
    height: number,
    time: number,
  ) {
    this.block = {
      height,
      time,
      fills: [],
      trades: [],
      twapSlices: [],
      liquidations: [],
      orderUpdates: [],
      changed: new Map(),
    };
  }

  /** Split `sz` into `n` positive multiples of the market lot (the last takes any remainder). */
  private split(coin: string, sz: Decimal, n: number): Decimal[] {
    const lot = new Decimal(marketOf(coin)?.lot ?? '1');
    const lots = sz.dividedBy(lot).floor().toNumber();
    const k = Math.max(1, Math.min(n, lots));
    const parts: Decimal[] = [];
    let left = lots;
    for (let i = 0; i < k - 1; i++) {
      const take = this.ctx.prng.range(1, Math.max(1, Math.floor((left - (k - 1 - i)) / 2)));
      parts.push(lot.times(take));
      left -= take;
    }
    parts.push(sz.minus(parts.reduce((s, p) => s.plus(p), ZERO)));
    return parts;
  }

  order(spec: OrderSpec): void {
    const { ctx, block } = this;
    const { user, coin, side, px } = spec;
    const cls = marketClass(coin);
    const market = marketOf(coin);
    const makerSide = side === 'B' ? 'A' : 'B';
    const txHash = spec.twapId !== undefined ? ZERO_HASH : '0x' + ctx.prng.hex(64);
    const takerOid = ctx.ids.oid();
    const parts = this.split(coin, spec.sz, spec.makers.length);
    const liq: WireLiquidation | undefined = spec.liquidation
      ? { liquidatedUser: user, markPx: wire(ctx.mark(coin)), method: spec.liquidation }
      : undefined;
    const liqStart = ctx.ledger.size(user, coin);
    const makerOids = new Map<Address, number>();
    const makerFilled = new Map<Address, Decimal>();

    parts.forEach((sz, i) => {
      const maker = spec.makers[i] ?? (spec.makers[0] as Address);
      const makerOid = makerOids.get(maker) ?? ctx.ids.oid();
      makerOids.set(maker, makerOid);
      makerFilled.set(maker, (makerFilled.get(maker) ?? ZERO).plus(sz));
      const tid = ctx.ids.tid();
      const self = maker === user;
      const eT = self
        ? ctx.ledger.preview(user, coin, cls, side, sz, px)
        : ctx.ledger.apply(user, coin, cls, side, sz, px);
      const eM = self
        ? ctx.ledger.preview(maker, coin, cls, makerSide, sz, px)
        : ctx.ledger.apply(maker, coin, cls, makerSide, sz, px);
      const ntl = px.times(sz);
      const takerFee = spec.liquidation === 'backstop' ? ZERO : ntl.times(TAKER_FEE[cls] ?? '0');
      const takerDir = spec.liquidation
        ? `Liquidated Cross ${liqStart.isPositive() ? 'Long' : 'Short'}`
        : eT.dir;
      this.emit(
        user,
        {
          coin,
          px: wire(px),
          sz: wire(sz),
          side,
          time: block.time,
          startPosition: wire(eT.start),
          dir: takerDir,
          closedPnl: wire(round(eT.closedPnl, 6)),
          hash: txHash,
          oid: takerOid,
          crossed: true,
          fee: wire(round(takerFee, 6)),
          tid,
          ...(spec.cloid !== undefined ? { cloid: spec.cloid } : {}),
          ...(liq ? { liquidation: liq } : {}),
          feeToken: 'USDC',
          twapId: null,
        },
        spec.twapId,
      );
      const spotBuy = cls === 'spot' && makerSide === 'B';
      const makerFee =
        spec.makerDir !== undefined
          ? ZERO
          : spotBuy
            ? sz.times(MAKER_FEE[cls] ?? '0')
            : ntl.times(MAKER_FEE[cls] ?? '0');
      this.emit(maker, {
        coin,
        px: wire(px),
        sz: wire(sz),
        side: makerSide,
        time: block.time,
        startPosition: wire(eM.start),
        dir: spec.makerDir ?? eM.dir,
        closedPnl: wire(round(eM.closedPnl, 6)),
        hash: self || !ctx.prng.chance(MAKER_ZERO_HASH_P) ? txHash : ZERO_HASH,
        oid: makerOid,
        crossed: false,
        fee: wire(round(makerFee, spotBuy ? (market?.szDecimals ?? 0) + 4 : 6)),
        tid,
        ...(liq ? { liquidation: liq } : {}),
        feeToken: spotBuy ? (market?.baseToken ?? 'USDC') : 'USDC',
        twapId: null,
      });
      block.trades.push({
        coin,
        side,
        px: wire(px),
        sz: wire(sz),
        time: block.time,
        hash: txHash,
        tid,
        users: side === 'B' ? [user, maker] : [maker, user],
      });
    });

    this.orderUpdate(user, coin, side, px, spec.sz, takerOid, spec.cloid);
    for (const [maker, oid] of makerOids)
      this.orderUpdate(maker, coin, makerSide, px, makerFilled.get(maker) ?? ZERO, oid);
    if (spec.liquidation && ctx.isTracked(user)) {
      block.liquidations.push({
        user,
        event: {
          lid: ctx.ids.lid(),
          liquidator: spec.makers[0] ?? user,
          liquidated_user: user,
          liquidated_ntl_pos: wire(round(liqStart.abs().times(ctx.mark(coin)), 6)),
          liquidated_account_value: wire(round(liqStart.abs().times(ctx.mark(coin)).dividedBy(40), 6)),
        },
      });
    }
  }

  /** Outcome-market (or delisted HIP-3) settlement: the whole position closes at `px`, no counterparty. */
  settle(user: Address, coin: string, px: Decimal): void {
    const { ctx } = this;
    const szi = ctx.ledger.size(user, coin);
    if (szi.isZero()) return;
    const side = szi.isPositive() ? 'A' : 'B';
    const eff = ctx.ledger.apply(user, coin, marketClass(coin), side, szi.abs(), px);
    this.emit(user, {
      coin,
      px: wire(px),
      sz: wire(szi.abs()),
      side,
      time: this.block.time,
      startPosition: wire(eff.start),
      dir: 'Settlement',
      closedPnl: wire(round(eff.closedPnl, 6)),
      hash: '0x' + ctx.prng.hex(64),
      oid: ctx.ids.oid(),
      crossed: true,
      fee: '0.0',
      tid: ctx.ids.tid(),
      feeToken: 'USDC',
      twapId: null,
    });
  }

  private emit(user: Address, fill: WireFill, twapId?: number): void {
    if (!this.ctx.isTracked(user)) return;
    const { block } = this;
    if (twapId !== undefined) {
      block.twapSlices.push({ user, slice: { fill: { ...fill, twapId: null }, twapId } });
      block.fills.push({ user, fill: { ...fill, twapId: this.ctx.twapIdInUserFills ? twapId : null } });
    } else {
      block.fills.push({ user, fill });
    }
    if (isPerpClass(marketClass(fill.coin))) {
      let dexes = block.changed.get(user);
      if (!dexes) block.changed.set(user, (dexes = new Set()));
      const i = fill.coin.indexOf(':');
      dexes.add(i > 0 ? fill.coin.slice(0, i) : '');
    }
  }

  private orderUpdate(
    user: Address,
    coin: string,
    side: 'B' | 'A',
    px: Decimal,
    sz: Decimal,
    oid: number,
    cloid?: string,
  ): void {
    if (!this.ctx.isTracked(user)) return;
    const t = this.block.time;
    this.block.orderUpdates.push({
      user,
      update: {
        order: {
          coin,
          side,
          limitPx: wire(px),
          sz: '0.0',
          oid,
          timestamp: t,
          origSz: wire(sz),
          ...(cloid !== undefined ? { cloid } : {}),
        },
        status: 'filled',
        statusTimestamp: t,
      },
    });
  }
}
