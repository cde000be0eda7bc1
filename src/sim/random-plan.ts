/**
 * Seeded random trading: what happens in one block when no scenario drives the market. Each
 * block mixes tracked-account activity (taker orders against several makers, maker fills,
 * several orders in one block, self-trades, flips, liquidations in both roles, TWAP slices,
 * spot and outcome trades, trades between tracked accounts) with background noise, so the
 * tape is mostly trades nobody tracks, as on the real exchange.
 */
import { Decimal, marketClass, type Address } from '../core/index.js';
import type { BlockBuilder } from './execution.js';
import type { Ledger } from './ledger.js';
import { MARKETS, marketOf, round } from './markets.js';
import type { Prng } from './prng.js';

export interface PlanEnv {
  readonly prng: Prng;
  readonly ledger: Ledger;
  readonly tracked: readonly Address[];
  readonly background: readonly Address[];
  readonly mark: (coin: string) => Decimal;
  readonly newTwapId: () => number;
  /** Active TWAPs per tracked account (mutated by the plan). */
  readonly twaps: Map<Address, { id: number; coin: string; side: 'B' | 'A'; slicesLeft: number }>;
}

const PERP_COINS: readonly (readonly [string, number])[] = [
  ['BTC', 3],
  ['ETH', 3],
  ['SOL', 2],
  ['xyz:TSLA', 1],
  ['xyz:NVDA', 1],
];

type EventKind =
  | 'taker'
  | 'maker'
  | 'multi'
  | 'self'
  | 'flip'
  | 'liq'
  | 'liqCounter'
  | 'twap'
  | 'spot'
  | 'outcome'
  | 'cross';

const EVENTS: readonly (readonly [EventKind, number])[] = [
  ['taker', 30],
  ['maker', 14],
  ['multi', 7],
  ['self', 5],
  ['flip', 7],
  ['liq', 2],
  ['liqCounter', 4],
  ['twap', 7],
  ['spot', 10],
  ['outcome', 3],
  ['cross', 5],
];

/** Positions beyond this many lots are steered back toward zero so sizes stay plausible. */
const SOFT_MAX_LOTS = 300;

function lotOf(coin: string): Decimal {
  return new Decimal(marketOf(coin)?.lot ?? '1');
}

function size(env: PlanEnv, coin: string, maxLots = 60): Decimal {
  return lotOf(coin).times(env.prng.range(1, maxLots));
}

function price(env: PlanEnv, coin: string): Decimal {
  const m = marketOf(coin);
  const mark = env.mark(coin);
  const offset = (env.prng.next() - 0.5) * 0.002;
  const px = round(mark.times(1 + offset), m?.pxDecimals ?? 2);
  return px.isZero() ? mark : px;
}

function makers(env: PlanEnv, n: number): Address[] {
  const out: Address[] = [];
  while (out.length < n) {
    const a = env.prng.pick(env.background);
    if (!out.includes(a) || env.background.length < n) out.push(a);
  }
  return out;
}

function steeredSide(env: PlanEnv, user: Address, coin: string): 'B' | 'A' {
  const pos = env.ledger.size(user, coin);
  if (pos.abs().greaterThan(lotOf(coin).times(SOFT_MAX_LOTS))) {
    const back = pos.isPositive() ? 'A' : 'B';
    return env.prng.chance(0.75) ? back : back === 'A' ? 'B' : 'A';
  }
  return env.prng.chance(0.5) ? 'B' : 'A';
}

function perpWithPosition(env: PlanEnv, user: Address): string | undefined {
  const coins = [...env.ledger.positions(user).keys()].filter((c) => {
    const cls = marketClass(c);
    return cls === 'perp' || cls === 'hip3';
  });
  return coins.length ? env.prng.pick(coins) : undefined;
}

function takerOrder(env: PlanEnv, b: BlockBuilder, user: Address, coin?: string): void {
  const c = coin ?? env.prng.weighted(PERP_COINS);
  b.order({
    user,
    coin: c,
    side: steeredSide(env, user, c),
    sz: size(env, c),
    px: price(env, c),
    makers: makers(env, env.prng.range(1, 3)),
    ...(env.prng.chance(0.3) ? { cloid: '0x' + env.prng.hex(32) } : {}),
  });
}

function spotLike(env: PlanEnv, b: BlockBuilder, user: Address, coin: string): void {
  const bal = env.ledger.size(user, coin);
  const want = size(env, coin, 40);
  const sell = bal.greaterThanOrEqualTo(lotOf(coin)) && env.prng.chance(0.5);
  const sz = sell ? Decimal.min(bal, want) : want;
  b.order({
    user,
    coin,
    side: sell ? 'A' : 'B',
    sz,
    px: price(env, coin),
    makers: makers(env, env.prng.range(1, 2)),
  });
}

function event(env: PlanEnv, b: BlockBuilder, kind: EventKind): void {
  const { prng } = env;
  const user = prng.pick(env.tracked);
  switch (kind) {
    case 'taker':
      return takerOrder(env, b, user);
    case 'multi': {
      const coin = prng.weighted(PERP_COINS);
      takerOrder(env, b, user, coin);
      return takerOrder(env, b, user, prng.chance(0.6) ? coin : undefined);
    }
    case 'maker': {
      const coin = prng.weighted(PERP_COINS);
      const bg = prng.pick(env.background);
      const ms = prng.chance(0.5) ? [user] : [prng.pick(env.background), user];
      return b.order({
        user: bg,
        coin,
        side: prng.chance(0.5) ? 'B' : 'A',
        sz: size(env, coin),
        px: price(env, coin),
        makers: ms,
      });
    }
    case 'self': {
      const coin = prng.weighted(PERP_COINS);
      const sz = lotOf(coin).times(prng.range(3, 60));
      return b.order({
        user,
        coin,
        side: steeredSide(env, user, coin),
        sz,
        px: price(env, coin),
        makers: [prng.pick(env.background), user, prng.pick(env.background)],
      });
    }
    case 'flip': {
      const coin = perpWithPosition(env, user);
      if (!coin) return takerOrder(env, b, user);
      const pos = env.ledger.size(user, coin);
      const sz = pos.abs().plus(size(env, coin, 20));
      return b.order({
        user,
        coin,
        side: pos.isPositive() ? 'A' : 'B',
        sz,
        px: price(env, coin),
        makers: makers(env, 1),
      });
    }
    case 'liq': {
      const coin = perpWithPosition(env, user);
      if (!coin) return takerOrder(env, b, user);
      const pos = env.ledger.size(user, coin);
      const ms = makers(env, prng.range(1, 3));
      const other = env.tracked.find((a) => a !== user);
      if (other && prng.chance(0.3)) ms[0] = other;
      const px = round(env.mark(coin).times(pos.isPositive() ? 0.99 : 1.01), marketOf(coin)?.pxDecimals ?? 2);
      return b.order({
        user,
        coin,
        side: pos.isPositive() ? 'A' : 'B',
        sz: pos.abs(),
        px,
        makers: ms,
        liquidation: prng.chance(0.8) ? 'market' : 'backstop',
      });
    }
    case 'liqCounter': {
      const bg = prng.pick(env.background);
      const coin = perpWithPosition(env, bg);
      if (!coin) return takerOrder(env, b, user);
      const pos = env.ledger.size(bg, coin);
      return b.order({
        user: bg,
        coin,
        side: pos.isPositive() ? 'A' : 'B',
        sz: pos.abs(),
        px: price(env, coin),
        makers: [user, prng.pick(env.background)],
        liquidation: 'market',
      });
    }
    case 'twap': {
      let t = env.twaps.get(user);
      if (!t || t.slicesLeft <= 0) {
        const coin = prng.weighted(PERP_COINS);
        t = { id: env.newTwapId(), coin, side: steeredSide(env, user, coin), slicesLeft: prng.range(3, 10) };
        env.twaps.set(user, t);
      }
      t.slicesLeft--;
      return b.order({
        user,
        coin: t.coin,
        side: t.side,
        sz: size(env, t.coin, 10),
        px: price(env, t.coin),
        makers: makers(env, 1),
        twapId: t.id,
      });
    }
    case 'spot':
      return spotLike(env, b, user, prng.chance(0.6) ? '@107' : 'PURR/USDC');
    case 'outcome':
      return spotLike(env, b, user, '#118440');
    case 'cross': {
      const other = env.tracked.find((a) => a !== user);
      if (!other) return takerOrder(env, b, user);
      const coin = prng.weighted(PERP_COINS);
      return b.order({
        user,
        coin,
        side: steeredSide(env, user, coin),
        sz: size(env, coin),
        px: price(env, coin),
        makers: [other],
      });
    }
  }
}

/** Fill one block with random activity. */
export function planRandomBlock(
  env: PlanEnv,
  b: BlockBuilder,
  opts: { eventsPerBlock: number; noisePerBlock: number },
): void {
  const { prng } = env;
  if (env.tracked.length > 0) {
    const n = prng.range(1, Math.max(1, opts.eventsPerBlock));
    for (let i = 0; i < n; i++) event(env, b, prng.weighted(EVENTS));
  }
  noise(env, b, prng.range(1, Math.max(1, opts.noisePerBlock)));
}

/** Trades between background accounts only: tape noise nobody tracks. */
export function noise(env: PlanEnv, b: BlockBuilder, n: number): void {
  const { prng } = env;
  for (let i = 0; i < n; i++) {
    const coin = prng.pick(MARKETS).coin;
    const [taker, maker] = makers(env, 2) as [Address, Address];
    b.order({
      user: taker,
      coin,
      side: prng.chance(0.5) ? 'B' : 'A',
      sz: size(env, coin, 30),
      px: price(env, coin),
      makers: [maker],
    });
  }
}
