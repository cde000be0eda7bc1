/**
 * The Hyperliquid market-data connector (trades, candle, bbo, activeAssetCtx over WebSocket;
 * candleSnapshot for polling and loss-free candle catch-up), built on src/protocol.
 */
export { HlMarketConnector } from './connector.js';
export type { HlMarketDeps, HlMarketConnectorInit, HlMarketObserver } from './connector.js';
export { HlMarketOptions, HL_MAINNET_INFO_URL, HL_MAINNET_WS_URL } from './options.js';
export { hyperliquidMarketFactory, HL_MARKET_KIND } from './factory.js';
export type { HlEndpointOverride } from './factory.js';
export { normalizeHlMarket } from './normalize.js';
export { CANDLE_CLOSED, closedCandleRecord, frameRecord } from './records.js';
export type { CandleVia } from './records.js';
