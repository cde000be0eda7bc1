/**
 * The raw records this connector hands the pipeline. A WebSocket data frame is kept verbatim
 * (its exact text is what quarantine stores and what replay feeds back). A closed candle is a
 * small wrapper around the source's candle object, because "closed" is a fact the connector
 * learns from the stream's order or from candleSnapshot, not from any single frame.
 */
import type { Candle } from '../../../protocol/index.js';
import type { RawRecord } from '../contract.js';

export const CANDLE_CLOSED = 'candleClosed';

/** How a closed candle was learned: the next bucket arrived on an unbroken socket, or REST. */
export type CandleVia = 'ws' | 'candleSnapshot';

const utf8 = new TextEncoder();

export function frameRecord(text: string, receivedAtMs: number, sourceUri: string): RawRecord {
  return { bytes: utf8.encode(text), receivedAtMs, sourceUri };
}

/**
 * Trades recovered over REST `recentTrades` after a reconnect, as a `trades` frame (so they
 * normalize exactly like live ones) marked `"via":"recentTrades"`.
 */
export function recoveredTradesRecord(
  trades: readonly unknown[],
  receivedAtMs: number,
  sourceUri: string,
): RawRecord {
  const text = `{"channel":"trades","via":"recentTrades","data":${JSON.stringify(trades)}}`;
  return { bytes: utf8.encode(text), receivedAtMs, sourceUri };
}

export function closedCandleRecord(
  candle: Candle,
  via: CandleVia,
  receivedAtMs: number,
  sourceUri: string,
): RawRecord {
  const text = `{"kind":"${CANDLE_CLOSED}","via":"${via}","candle":${JSON.stringify(candle)}}`;
  return { bytes: utf8.encode(text), receivedAtMs, sourceUri };
}
