/**
 * The fill object (docs/hyperliquid-protocol.md §3.1), shared by the `userFills` and `user` WS channels,
 * `userTwapSliceFills` and the REST `userFills` / `userFillsByTime` responses. Loose object:
 * unknown extra fields pass through; the fields we use are strict. `tid` is optional because
 * pre-2023 history has none (§3.6); `startPosition`, `dir`, `closedPnl`, `hash`, `oid` are
 * optional because trimmed backstop-liquidation rows were recorded without them (§3.5).
 */
import { z } from 'zod';
import { Coin, DecimalString, WireAddress, WireId, WireSide, WireTime } from './common.js';

export const FillLiquidation = z.looseObject({
  liquidatedUser: WireAddress.optional(),
  /** Docs type it as number; the wire sends a string (§3.1). */
  markPx: DecimalString,
  method: z.string(),
});
export type FillLiquidation = z.infer<typeof FillLiquidation>;

export const Fill = z.looseObject({
  coin: Coin,
  px: DecimalString,
  sz: DecimalString,
  side: WireSide,
  time: WireTime,
  startPosition: DecimalString.optional(),
  dir: z.string().optional(),
  closedPnl: DecimalString.optional(),
  hash: z.string().optional(),
  oid: WireId.optional(),
  crossed: z.boolean(),
  fee: DecimalString,
  tid: WireId.optional(),
  feeToken: z.string().optional(),
  builderFee: DecimalString.optional(),
  liquidation: FillLiquidation.optional(),
  cloid: z.string().optional(),
  twapId: WireId.nullable().optional(),
});
export type Fill = z.infer<typeof Fill>;

/** `{fill, twapId}` rows of `userTwapSliceFills` (§2.8): twapId sits on the wrapper. */
export const TwapSliceFill = z.looseObject({
  fill: Fill,
  twapId: WireId,
});
export type TwapSliceFill = z.infer<typeof TwapSliceFill>;

/** One row of the market-wide `trades` feed (§13): side is the taker side, users = [buyer, seller]. */
export const Trade = z.looseObject({
  coin: Coin,
  side: WireSide,
  px: DecimalString,
  sz: DecimalString,
  time: WireTime,
  hash: z.string(),
  tid: WireId,
  users: z.tuple([WireAddress, WireAddress]),
});
export type Trade = z.infer<typeof Trade>;
