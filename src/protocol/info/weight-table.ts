/**
 * The REST /info weight table (docs/hyperliquid-protocol.md §5.2), the one copy both the
 * client's budget and the simulator's limiter charge from, so the two cannot drift apart.
 * Pure data and arithmetic: no clock, no I/O.
 */
export const INFO_WEIGHT_PER_MINUTE = 1200;

/** Documented base weights; every other info request weighs 20. */
export const INFO_BASE_WEIGHTS: Readonly<Record<string, number>> = {
  l2Book: 2,
  allMids: 2,
  clearinghouseState: 2,
  orderStatus: 2,
  spotClearinghouseState: 2,
  exchangeStatus: 2,
  userRole: 60,
};
export const DEFAULT_INFO_WEIGHT = 20;

/** Request types that cost one extra weight per 20 items returned (rounded up). */
export const INFO_PER_ITEM_TYPES: ReadonlySet<string> = new Set([
  'recentTrades',
  'historicalOrders',
  'userFills',
  'userFillsByTime',
  'fundingHistory',
  'userFunding',
  'nonUserFundingUpdates',
  'twapHistory',
  'userTwapSliceFills',
  'userTwapSliceFillsByTime',
  'delegatorHistory',
  'delegatorRewards',
  'validatorStats',
]);

export function baseWeight(type: string): number {
  return INFO_BASE_WEIGHTS[type] ?? DEFAULT_INFO_WEIGHT;
}

/** Request types that cost one extra weight per 60 items returned (docs: candleSnapshot). */
export const INFO_PER_60_ITEM_TYPES: ReadonlySet<string> = new Set(['candleSnapshot']);

export function itemWeight(type: string, items: number): number {
  if (INFO_PER_60_ITEM_TYPES.has(type)) return Math.ceil(items / 60);
  return INFO_PER_ITEM_TYPES.has(type) ? Math.ceil(items / 20) : 0;
}
