/**
 * Public door of the Hyperliquid protocol layer: wire schemas (user feeds, trades and the
 * market-data feeds candle / bbo / activeAssetCtx / candleSnapshot), frame parsing + dead letters,
 * normalizers to FillEvent, the WebSocket connection, the per-egress-IP budget, the info
 * client with pagination, and the `trades` fast path. Nothing here knows about positions or
 * fan-in; everything else in src/protocol is internal.
 */
export * from './schemas/common.js';
export * from './schemas/fill.js';
export * from './schemas/state.js';
export * from './schemas/ws.js';
export * from './schemas/market.js';
export {
  UserFillsResponse,
  UserFillsByTimeResponse,
  PerpAsset,
  MetaResponse,
  PerpDex,
  PerpDexsResponse,
  SpotPair,
  SpotToken,
  SpotMetaResponse,
} from './schemas/info.js';
export { Subscription, normalizeSubscription, subscriptionKey, ackMatches, userOf } from './subscription.js';
export type { NormalizedSubscription } from './subscription.js';
export {
  FrameParser,
  classifyIssues,
  truncatePayload,
  DEFAULT_MAX_DEAD_LETTER_PAYLOAD,
  DEFAULT_MAX_FRAME_CHARS,
} from './frame-parser.js';
export type { FrameParserOptions, ParseResult, ParsedFrame } from './frame-parser.js';
export { FrameMemo, FRAME_MEMO_ENTRIES, FRAME_MEMO_MAX_CHARS } from './frame-memo.js';
export type { FrameMemoOptions, FrameMemoStats } from './frame-memo.js';
export { fillToEvent, tradeToEvents } from './normalize.js';
export { FillGuard, DEFAULT_MAX_FUTURE_SKEW_MS, isWellFormedCoin, safePayload } from './fill-guard.js';
export type { FillGuardOptions, GuardResult, GuardedValues, Rejection } from './fill-guard.js';
export { RollingWindow } from './rolling-window.js';
export { EgressBudget, DEFAULT_EGRESS_LIMITS } from './egress-budget.js';
export type { EgressLimits, EgressUsage, EgressBudgetOptions, BudgetCheck } from './egress-budget.js';
export { HlWsConnection, CONNECTION_STATES } from './ws/connection.js';
export type { HlWsConnectionOptions, ConnectionEvents, ConnectionState } from './ws/connection.js';
export { RECONNECT_REASONS, DEFAULT_RECONNECT_POLICY, ReconnectPolicy } from './ws/reconnect-policy.js';
export type { ReconnectReason, ReconnectPolicyOptions } from './ws/reconnect-policy.js';
export { DEFAULT_PING_INTERVAL_MS, DEFAULT_PONG_TIMEOUT_MS } from './ws/heartbeat.js';
export type { HeartbeatOptions } from './ws/heartbeat.js';
export { classifyServerError, serverErrorToSourceError, SERVER_ERROR_KINDS } from './ws/error-frames.js';
export type { ServerErrorKind, ClassifiedServerError } from './ws/error-frames.js';
export type { SocketConstructor, SocketLike, SocketOptions } from './ws/socket.js';
export { InfoClient, MAINNET_INFO_URL } from './info/client.js';
export type { InfoClientOptions, FetchLike } from './info/client.js';
export { userFillsByTimeAll, FILLS_PAGE_SIZE, FILLS_HORIZON } from './info/pagination.js';
export type {
  BackfillResult,
  BackfillOptions,
  FillsByTimeSource,
  InfoCallOptions,
} from './info/pagination.js';
export { InfoWeightBudget } from './info/weight-budget.js';
export {
  INFO_WEIGHT_PER_MINUTE,
  INFO_BASE_WEIGHTS,
  INFO_PER_ITEM_TYPES,
  INFO_PER_60_ITEM_TYPES,
  DEFAULT_INFO_WEIGHT,
  baseWeight,
  itemWeight,
} from './info/weight-table.js';
export type { InfoWeightBudgetOptions } from './info/weight-budget.js';
export { TradesFastPath } from './trades-fastpath.js';
export type {
  TradesResult,
  MatchedTrade,
  TradesFastPathStats,
  TradesFastPathOptions,
} from './trades-fastpath.js';
