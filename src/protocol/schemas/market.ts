/**
 * Schemas of the market-data feeds the pipeline consumes: `candle` (WS) and `candleSnapshot`
 * (REST), `bbo`, `activeAssetCtx` (perps) and `activeSpotAssetCtx` (spot).
 * docs/hyperliquid-protocol.md does not cover these channels; the shapes follow the official subscription and
 * info docs and nktkas' typings, with the wire's observed habits: decimals are strings (the
 * docs type candle prices as numbers), a `candle` push carries one candle object (the docs
 * say an array, so both are accepted and parsed to an array), a `bbo` side is null when that book side is empty.
 */
import { z } from 'zod';
import { Coin, DecimalString, WireTime } from './common.js';
import { Trade } from './fill.js';

export const CANDLE_INTERVALS = [
  '1m',
  '3m',
  '5m',
  '15m',
  '30m',
  '1h',
  '2h',
  '4h',
  '8h',
  '12h',
  '1d',
  '3d',
  '1w',
  '1M',
] as const;
export const CandleInterval = z.enum(CANDLE_INTERVALS);
export type CandleInterval = z.infer<typeof CandleInterval>;

const MIN = 60_000;
/** Fixed interval lengths; `1M` is a UTC calendar month (see candleBucket). */
export const CANDLE_INTERVAL_MS: Readonly<Record<Exclude<CandleInterval, '1M'>, number>> = {
  '1m': MIN,
  '3m': 3 * MIN,
  '5m': 5 * MIN,
  '15m': 15 * MIN,
  '30m': 30 * MIN,
  '1h': 60 * MIN,
  '2h': 120 * MIN,
  '4h': 240 * MIN,
  '8h': 480 * MIN,
  '12h': 720 * MIN,
  '1d': 1440 * MIN,
  '3d': 3 * 1440 * MIN,
  '1w': 7 * 1440 * MIN,
};

/** [open, close] (both inclusive) of the candle holding `time`; buckets align to the epoch. */
export function candleBucket(interval: CandleInterval, time: number): { t: number; T: number } {
  if (interval === '1M') {
    const d = new Date(time);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth();
    return { t: Date.UTC(y, m, 1), T: Date.UTC(y, m + 1, 1) - 1 };
  }
  const ms = CANDLE_INTERVAL_MS[interval];
  const t = Math.floor(time / ms) * ms;
  return { t, T: t + ms - 1 };
}

export const Candle = z.looseObject({
  /** Open time (ms). */
  t: WireTime,
  /** Close time (ms, inclusive). */
  T: WireTime,
  s: Coin,
  i: CandleInterval,
  o: DecimalString,
  c: DecimalString,
  h: DecimalString,
  l: DecimalString,
  /** Volume in base units. */
  v: DecimalString,
  /** Number of trades. */
  n: z.int().nonnegative(),
});
export type Candle = z.infer<typeof Candle>;

/** `data` is always an array after parsing (a lone object is wrapped), so issues name the field. */
export const CandleFrame = z.looseObject({
  channel: z.literal('candle'),
  data: z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(Candle)),
});
export type CandleFrame = z.infer<typeof CandleFrame>;

export const BookLevel = z.looseObject({ px: DecimalString, sz: DecimalString, n: z.int().nonnegative() });
export type BookLevel = z.infer<typeof BookLevel>;

export const Bbo = z.looseObject({
  coin: Coin,
  time: WireTime,
  /** [best bid, best ask]; null when that side of the book is empty. */
  bbo: z.tuple([BookLevel.nullable(), BookLevel.nullable()]),
});
export type Bbo = z.infer<typeof Bbo>;

export const BboFrame = z.looseObject({ channel: z.literal('bbo'), data: Bbo });
export type BboFrame = z.infer<typeof BboFrame>;

export const PerpAssetCtx = z.looseObject({
  funding: DecimalString,
  openInterest: DecimalString,
  prevDayPx: DecimalString,
  dayNtlVlm: DecimalString,
  premium: DecimalString.nullable().optional(),
  oraclePx: DecimalString,
  markPx: DecimalString,
  midPx: DecimalString.nullable().optional(),
  impactPxs: z.array(DecimalString).nullable().optional(),
  dayBaseVlm: DecimalString.optional(),
});
export type PerpAssetCtx = z.infer<typeof PerpAssetCtx>;

export const ActiveAssetCtxFrame = z.looseObject({
  channel: z.literal('activeAssetCtx'),
  data: z.looseObject({ coin: Coin, ctx: PerpAssetCtx }),
});
export type ActiveAssetCtxFrame = z.infer<typeof ActiveAssetCtxFrame>;

export const SpotAssetCtx = z.looseObject({
  prevDayPx: DecimalString,
  dayNtlVlm: DecimalString,
  markPx: DecimalString,
  midPx: DecimalString.nullable().optional(),
  circulatingSupply: DecimalString.optional(),
  coin: Coin.optional(),
  totalSupply: DecimalString.optional(),
  dayBaseVlm: DecimalString.optional(),
});
export type SpotAssetCtx = z.infer<typeof SpotAssetCtx>;

/** A spot coin subscribed as `activeAssetCtx` answers on this channel. */
export const ActiveSpotAssetCtxFrame = z.looseObject({
  channel: z.literal('activeSpotAssetCtx'),
  data: z.looseObject({ coin: Coin, ctx: SpotAssetCtx }),
});
export type ActiveSpotAssetCtxFrame = z.infer<typeof ActiveSpotAssetCtxFrame>;

/** `POST /info {"type":"recentTrades","coin"}`: the coin's newest trades (no time range, no paging). */
export const RecentTradesResponse = z.array(Trade);
export type RecentTradesResponse = z.infer<typeof RecentTradesResponse>;

/** `POST /info {"type":"candleSnapshot","req":{coin, interval, startTime, endTime?}}`: oldest first. */
export const CandleSnapshotResponse = z.array(Candle);
export type CandleSnapshotResponse = z.infer<typeof CandleSnapshotResponse>;
