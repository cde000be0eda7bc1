/**
 * Position state (`clearinghouseState`, docs/hyperliquid-protocol.md §4): the REST response, and the
 * object nested inside the `clearinghouseState` / `allDexsClearinghouseState` WS frames. Only
 * what reconciliation reads is strict (coin, szi, entryPx, leverage, time); the rest is loose.
 */
import { z } from 'zod';
import { Coin, DecimalString, WireTime } from './common.js';

export const Leverage = z.looseObject({
  type: z.string(),
  value: z.number(),
  rawUsd: DecimalString.optional(),
});
export type Leverage = z.infer<typeof Leverage>;

export const Position = z.looseObject({
  coin: Coin,
  /** Signed size: negative = short. */
  szi: DecimalString,
  entryPx: DecimalString.nullable().optional(),
  leverage: Leverage.optional(),
  liquidationPx: DecimalString.nullable().optional(),
  positionValue: DecimalString.optional(),
  unrealizedPnl: DecimalString.optional(),
  marginUsed: DecimalString.optional(),
});
export type Position = z.infer<typeof Position>;

export const AssetPosition = z.looseObject({
  position: Position,
  type: z.string(),
});
export type AssetPosition = z.infer<typeof AssetPosition>;

export const MarginSummary = z.looseObject({
  accountValue: DecimalString,
  totalMarginUsed: DecimalString,
  totalNtlPos: DecimalString,
  totalRawUsd: DecimalString,
});
export type MarginSummary = z.infer<typeof MarginSummary>;

export const ClearinghouseState = z.looseObject({
  assetPositions: z.array(AssetPosition),
  marginSummary: MarginSummary.optional(),
  crossMarginSummary: MarginSummary.optional(),
  crossMaintenanceMarginUsed: DecimalString.optional(),
  withdrawable: DecimalString.optional(),
  time: WireTime,
});
export type ClearinghouseState = z.infer<typeof ClearinghouseState>;
