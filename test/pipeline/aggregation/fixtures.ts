/** Builders for aggregation tests: real envelopes (trades, book tops, signals) and engine settings. */
import type { NormalizedEvent, PayloadOf, PayloadType } from '../../../src/pipeline/envelope/index.js';
import {
  defaultTraceId,
  encodePayload,
  ENVELOPE_SCHEMA_VERSION,
  eventIdOf,
  partitionKeyOf,
} from '../../../src/pipeline/envelope/index.js';
import type { MarketSettings } from '../../../src/pipeline/aggregation/index.js';

export const T0 = 1_764_806_400_000;

export const SETTINGS: MarketSettings = {
  originMs: 0,
  epochWindowMs: 60_000,
  publishCadenceMs: 5_000,
  allowedLatenessMs: 2_000,
  rollingWindowsMs: [15_000, 30_000],
  sourcesExpected: 1,
  maxStalenessMs: 60_000,
  maxSkewMs: 5_000,
};

export function envelope<T extends PayloadType>(
  type: T,
  value: PayloadOf<T>,
  o: {
    marketId?: string;
    sourceId?: string;
    t: number;
    lag?: number;
    flags?: number;
    shards?: number;
    nativeId?: string;
  },
): NormalizedEvent {
  const payload = encodePayload(type, value);
  const marketId = o.marketId ?? 'm.BTC';
  const sourceId = o.sourceId ?? 'src-a';
  const eventId = eventIdOf({
    sourceId,
    nativeId: o.nativeId,
    marketId,
    eventTimeMs: o.t,
    payloadType: type,
    payload,
  });
  return {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    eventId,
    sourceId,
    sourceVersion: '1',
    connectorId: `${sourceId}-c`,
    connectorVersion: '1.0.0',
    marketId,
    domain: 'crypto.perp',
    eventTimeMs: o.t,
    ingestTimeMs: o.t + (o.lag ?? 10),
    payloadType: type,
    payload,
    qualityFlags: o.flags ?? 0,
    partitionKey: partitionKeyOf(marketId, eventId, o.shards ?? 1),
    traceId: defaultTraceId(eventId),
  };
}

export const PX = 100_000_000n;

export function trade(
  t: number,
  px: bigint,
  sz: bigint,
  tradeId: bigint,
  o: { marketId?: string; sourceId?: string; lag?: number; flags?: number; shards?: number } = {},
): NormalizedEvent {
  return envelope('TRADE_TICK_V1', { px, sz, side: 'BUY', tradeId }, { ...o, t, nativeId: String(tradeId) });
}

export function signal(
  t: number,
  influencerId: string,
  side: 'FLAT' | 'LONG' | 'SHORT',
  deltaSize: bigint,
  position: bigint,
  o: { marketId?: string; lag?: number } = {},
): NormalizedEvent {
  const signalId = Buffer.from(`${influencerId}|${t}|${deltaSize}`)
    .toString('hex')
    .padEnd(64, '0')
    .slice(0, 64);
  return envelope(
    'INFLUENCER_SIGNAL_V1',
    {
      signalId,
      influencerId,
      action: 'INCREASE',
      side,
      position,
      deltaSize,
      hasPrice: true,
      price: 100n * PX,
      fillCount: 1,
    },
    { ...o, t, sourceId: 'influencer-ingester', nativeId: signalId },
  );
}

/** A deterministic mixed stream over `markets` markets: trades, book tops and influencer signals. */
export function mixedStream(
  n: number,
  markets: readonly string[],
  start = T0,
  stepMs = 37,
): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  const traders = ['whale-1', 'whale-2', 'whale-3', 'whale-4'];
  for (let i = 0; i < n; i++) {
    const marketId = markets[i % markets.length] ?? 'm.BTC';
    const t = start + i * stepMs;
    const k = i % 7;
    if (k === 5) {
      const who = traders[i % traders.length] ?? 'whale-1';
      const d = BigInt(((i * 13) % 9) - 4) * PX;
      const side = d > 0n ? 'LONG' : d < 0n ? 'SHORT' : 'FLAT';
      out.push(signal(t, who, side, d === 0n ? PX : d, d, { marketId, lag: 3 + (i % 50) }));
    } else if (k === 6) {
      const mid = (100n + BigInt(i % 5)) * PX;
      out.push(
        envelope(
          'BOOK_TOP_V1',
          { bidPx: mid - PX / 10n, bidSz: PX, askPx: mid + PX / 10n, askSz: PX },
          { marketId, t, sourceId: 'src-b', lag: 2 },
        ),
      );
    } else {
      const px = (100n + BigInt((i * 7) % 11)) * PX + BigInt(i % 3) * 12_345n;
      out.push(
        trade(t, px, BigInt(1 + (i % 4)) * (PX / 10n), BigInt(i + 1), { marketId, lag: 5 + (i % 20) }),
      );
    }
  }
  return out;
}
