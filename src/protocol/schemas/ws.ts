/**
 * Schemas of every WebSocket frame we consume (docs/hyperliquid-protocol.md §1–§2, §13; the market-data
 * channels in ./market.ts), keyed by
 * channel. The envelope is `{channel, data}`; `pong` has no `data` (§1.5), so each channel
 * schema validates the whole frame, not just `data`. Loose objects everywhere: Hyperliquid
 * adds fields over time and that must not dead-letter live traffic.
 */
import { z } from 'zod';
import { Coin, DecimalString, WireAddress, WireId, WireSide, WireTime } from './common.js';
import { Fill, Trade, TwapSliceFill } from './fill.js';
import { ActiveAssetCtxFrame, ActiveSpotAssetCtxFrame, BboFrame, CandleFrame } from './market.js';
import { ClearinghouseState } from './state.js';

/** Echoed subscription: always has `type`; the rest depends on it (normalized by the server). */
export const EchoedSubscription = z.looseObject({ type: z.string().min(1) });
export type EchoedSubscription = z.infer<typeof EchoedSubscription>;

export const SubscriptionResponseFrame = z.looseObject({
  channel: z.literal('subscriptionResponse'),
  data: z.looseObject({
    method: z.enum(['subscribe', 'unsubscribe']),
    subscription: EchoedSubscription,
  }),
});
export type SubscriptionResponseFrame = z.infer<typeof SubscriptionResponseFrame>;

export const ErrorFrame = z.looseObject({ channel: z.literal('error'), data: z.string() });
export type ErrorFrame = z.infer<typeof ErrorFrame>;

export const PongFrame = z.looseObject({ channel: z.literal('pong') });
export type PongFrame = z.infer<typeof PongFrame>;

export const UserFillsFrame = z.looseObject({
  channel: z.literal('userFills'),
  data: z.looseObject({
    /** true on the (re)subscribe snapshot; omitted on live pushes (§2.2). */
    isSnapshot: z.boolean().optional(),
    user: WireAddress,
    /**
     * Each fill is validated on its own by FillGuard (../fill-guard.ts) where the frame is
     * routed: one bad fill is dead-lettered and the good fills beside it are kept.
     */
    fills: z.array(z.unknown()),
  }),
});
export type UserFillsFrame = z.infer<typeof UserFillsFrame>;

export const UserFunding = z.looseObject({
  time: WireTime,
  coin: Coin,
  usdc: DecimalString,
  szi: DecimalString,
  fundingRate: DecimalString,
});
export type UserFunding = z.infer<typeof UserFunding>;

/** The only snake_case struct in the API (§2.3). */
export const UserLiquidation = z.looseObject({
  lid: WireId,
  liquidator: WireAddress,
  liquidated_user: WireAddress,
  liquidated_ntl_pos: DecimalString,
  liquidated_account_value: DecimalString,
});
export type UserLiquidation = z.infer<typeof UserLiquidation>;

export const NonUserCancel = z.looseObject({ coin: Coin, oid: WireId });
export type NonUserCancel = z.infer<typeof NonUserCancel>;

/** `userEvents` arrives on channel `user`, exactly one key per message, no `user` field (§2.3). */
export const UserEventData = z.union([
  z.looseObject({ fills: z.array(Fill) }),
  z.looseObject({ funding: UserFunding }),
  z.looseObject({ liquidation: UserLiquidation }),
  z.looseObject({ nonUserCancel: z.array(NonUserCancel) }),
  z.looseObject({ twapHistory: z.array(z.unknown()) }),
  z.looseObject({ twapSliceFills: z.array(z.unknown()) }),
]);
export type UserEventData = z.infer<typeof UserEventData>;

export const UserEventsFrame = z.looseObject({ channel: z.literal('user'), data: UserEventData });
export type UserEventsFrame = z.infer<typeof UserEventsFrame>;

export const WsOrder = z.looseObject({
  order: z.looseObject({
    coin: Coin,
    side: WireSide,
    limitPx: DecimalString,
    /** Remaining size; does not drop to 0 on cancel (§2.4). */
    sz: DecimalString,
    oid: WireId,
    timestamp: WireTime,
    origSz: DecimalString,
    cloid: z.string().nullable().optional(),
  }),
  /** Open-ended enum: classify by suffix, never reject an unknown status. */
  status: z.string(),
  statusTimestamp: WireTime,
});
export type WsOrder = z.infer<typeof WsOrder>;

export const OrderUpdatesFrame = z.looseObject({
  channel: z.literal('orderUpdates'),
  data: z.array(WsOrder),
});
export type OrderUpdatesFrame = z.infer<typeof OrderUpdatesFrame>;

export const ClearinghouseStateFrame = z.looseObject({
  channel: z.literal('clearinghouseState'),
  data: z.looseObject({ dex: z.string(), user: WireAddress, clearinghouseState: ClearinghouseState }),
});
export type ClearinghouseStateFrame = z.infer<typeof ClearinghouseStateFrame>;

export const AllDexsClearinghouseStateFrame = z.looseObject({
  channel: z.literal('allDexsClearinghouseState'),
  data: z.looseObject({
    user: WireAddress,
    clearinghouseStates: z.array(z.tuple([z.string(), ClearinghouseState])),
  }),
});
export type AllDexsClearinghouseStateFrame = z.infer<typeof AllDexsClearinghouseStateFrame>;

export const UserTwapSliceFillsFrame = z.looseObject({
  channel: z.literal('userTwapSliceFills'),
  data: z.looseObject({
    isSnapshot: z.boolean().optional(),
    user: WireAddress,
    twapSliceFills: z.array(TwapSliceFill),
  }),
});
export type UserTwapSliceFillsFrame = z.infer<typeof UserTwapSliceFillsFrame>;

export const TradesFrame = z.looseObject({ channel: z.literal('trades'), data: z.array(Trade) });
export type TradesFrame = z.infer<typeof TradesFrame>;

/** Channel name -> schema of the whole frame. The parser dispatches on this table. */
export const FRAME_SCHEMAS = {
  subscriptionResponse: SubscriptionResponseFrame,
  error: ErrorFrame,
  pong: PongFrame,
  userFills: UserFillsFrame,
  user: UserEventsFrame,
  orderUpdates: OrderUpdatesFrame,
  clearinghouseState: ClearinghouseStateFrame,
  allDexsClearinghouseState: AllDexsClearinghouseStateFrame,
  userTwapSliceFills: UserTwapSliceFillsFrame,
  trades: TradesFrame,
  candle: CandleFrame,
  bbo: BboFrame,
  activeAssetCtx: ActiveAssetCtxFrame,
  activeSpotAssetCtx: ActiveSpotAssetCtxFrame,
} as const;

export type Channel = keyof typeof FRAME_SCHEMAS;
export const CHANNELS = Object.keys(FRAME_SCHEMAS) as Channel[];

/** A validated frame, discriminated on `channel`. */
export type FrameOf<C extends Channel> = z.infer<(typeof FRAME_SCHEMAS)[C]>;
export type AnyFrame = { [C in Channel]: FrameOf<C> }[Channel];
