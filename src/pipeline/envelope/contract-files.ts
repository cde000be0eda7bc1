/**
 * The pipeline's public contract files in contracts/pipeline/, rendered from code by
 * `npm run contracts` (a unit test keeps each current): the envelope JSON Schema, the payload
 * layouts (the versioning baseline, see compat.ts) and golden vectors for payload bytes, event
 * id preimages and ids, and whole envelopes. Other implementations check themselves against
 * the vectors; a vector that changes means ids changed, which must never happen silently.
 */
import type { NormalizedEvent } from './envelope.js';
import { ENVELOPE_SCHEMA_FILE, ENVELOPE_SCHEMA_VERSION, envelopeJsonSchemaText } from './envelope.js';
import { encodeEnvelope, envelopeToJson } from './envelope-codec.js';
import { defaultTraceId, eventIdOf, eventIdPreimage, partitionKeyOf } from './event-id.js';
import { toFixed } from './fixed-point.js';
import type { FieldSpec, PayloadOf, PayloadType } from './layouts.js';
import { PAYLOAD_LAYOUTS, PAYLOAD_TYPES } from './layouts.js';
import { encodePayload } from './payload-codec.js';

export const PIPELINE_CONTRACT_FILES = {
  envelopeSchema: ENVELOPE_SCHEMA_FILE,
  layouts: 'contracts/pipeline/payload-layouts.v1.json',
  vectors: 'contracts/pipeline/event-vectors.v1.json',
} as const;

/** A payload in JSON form: fixed-point as decimal text, u64 as text (as in the vectors). */
export function payloadFromJson<T extends PayloadType>(
  type: T,
  json: Readonly<Record<string, string | number | boolean>>,
): PayloadOf<T> {
  const out: Record<string, unknown> = {};
  for (const f of PAYLOAD_LAYOUTS[type].fields as readonly FieldSpec[]) {
    const v = json[f.name];
    out[f.name] =
      f.type === 'fixed'
        ? toFixed(String(v), f.scale ?? 0)
        : f.type === 'u64' || f.type === 'i64'
          ? BigInt(String(v))
          : v;
  }
  return out as PayloadOf<T>;
}

export function renderPayloadLayouts(): string {
  const layouts = PAYLOAD_TYPES.map((t) => PAYLOAD_LAYOUTS[t]);
  return `${JSON.stringify({ schemaVersion: ENVELOPE_SCHEMA_VERSION, layouts }, null, 2)}\n`;
}

interface GoldenCase {
  readonly name: string;
  readonly sourceId: string;
  readonly nativeId?: string;
  readonly marketId: string;
  readonly shards: number;
  readonly eventTimeMs: number;
  readonly ingestTimeMs: number;
  readonly payloadType: PayloadType;
  readonly payload: Readonly<Record<string, string | number | boolean>>;
  readonly qualityFlags: number;
  readonly sourceSeq?: string;
  readonly sourceUri?: string;
  readonly confidence?: number;
}

const T = 1_764_806_400_000;

const CANDLE: GoldenCase = {
  name: 'candle',
  sourceId: 'hyperliquid',
  nativeId: '60000|1764806400000',
  marketId: 'hl.perp.ETH',
  shards: 1,
  eventTimeMs: T + 59_999,
  ingestTimeMs: T + 60_010,
  payloadType: 'CANDLE_V1',
  payload: {
    intervalMs: 60_000,
    openTimeMs: String(T),
    closeTimeMs: String(T + 59_999),
    open: '3000.1',
    high: '3010',
    low: '2995.25',
    close: '3005.5',
    volume: '123.4567',
    trades: 321,
    final: true,
  },
  qualityFlags: 0,
};

/** Inputs of the golden vectors: one per payload type, both id forms, sharding, optional fields. */
export const GOLDEN_CASES: readonly GoldenCase[] = [
  {
    name: 'trade with native id',
    sourceId: 'hyperliquid',
    nativeId: '1000',
    marketId: 'hl.perp.BTC',
    shards: 1,
    eventTimeMs: T,
    ingestTimeMs: T + 7,
    payloadType: 'TRADE_TICK_V1',
    payload: { px: '97000.5', sz: '0.0123', side: 'BUY', tradeId: '1000' },
    qualityFlags: 0,
    sourceSeq: '1000',
  },
  {
    name: 'trade without native id, sharded market',
    sourceId: 'synthetic',
    marketId: 'syn.perp.BTC',
    shards: 4,
    eventTimeMs: T,
    ingestTimeMs: T + 1,
    payloadType: 'TRADE_TICK_V1',
    payload: { px: '97000.5', sz: '0.0123', side: 'SELL', tradeId: '0' },
    qualityFlags: 0x20,
  },
  CANDLE,
  {
    // The candle above as a backfill run publishes it: same event_id, BACKFILL flag and tag.
    ...CANDLE,
    name: 'candle, backfilled',
    ingestTimeMs: T + 60_000,
    qualityFlags: 0x200,
    sourceUri: 'backfill://hyperliquid-market/time/1764806400000-1764810000000',
  },
  {
    name: 'book top with one side missing',
    sourceId: 'hyperliquid',
    marketId: 'hl.perp.SOL',
    shards: 1,
    eventTimeMs: T + 1,
    ingestTimeMs: T + 3,
    payloadType: 'BOOK_TOP_V1',
    payload: { bidPx: '150.12', bidSz: '10', askPx: '0', askSz: '0' },
    qualityFlags: 0x40,
    sourceUri: 'wss://api.hyperliquid.xyz/ws#bbo',
  },
  {
    name: 'asset context',
    sourceId: 'hyperliquid',
    marketId: 'hl.perp.BTC',
    shards: 1,
    eventTimeMs: T + 2,
    ingestTimeMs: T + 9,
    payloadType: 'ASSET_CTX_V1',
    payload: {
      markPx: '97001',
      oraclePx: '96998.5',
      midPx: '97000.75',
      funding: '0.0000125',
      premium: '-0.000031',
      openInterest: '12345.678',
      dayNtlVlm: '1234567890.5',
      prevDayPx: '96000',
    },
    qualityFlags: 0x10 | 0x80,
    confidence: 9_500,
  },
  {
    name: 'influencer fill',
    sourceId: 'influencer-ingester',
    nativeId: '0x31ca8395cf837de08b24da3f660e77761dfb974b|1004|B',
    marketId: 'hl.perp.BTC',
    shards: 1,
    eventTimeMs: T + 4_000,
    ingestTimeMs: T + 4_010,
    payloadType: 'INFLUENCER_FILL_V1',
    payload: {
      user: '0x31ca8395cf837de08b24da3f660e77761dfb974b',
      px: '97006',
      sz: '0.01',
      side: 'BUY',
      tradeId: '1004',
      orderId: '77',
      hasAccountDetail: true,
      startPosition: '-0.5',
      fee: '0.5',
      closedPnl: '-12.25',
    },
    qualityFlags: 0,
  },
  {
    name: 'influencer signal',
    sourceId: 'influencer-ingester',
    nativeId: 'ab'.repeat(32),
    marketId: 'hl.perp.BTC',
    shards: 1,
    eventTimeMs: T + 4_000,
    ingestTimeMs: T + 4_020,
    payloadType: 'INFLUENCER_SIGNAL_V1',
    payload: {
      signalId: 'ab'.repeat(32),
      influencerId: 'whale-1',
      action: 'FLIP',
      side: 'SHORT',
      position: '-0.49',
      deltaSize: '-0.5',
      hasPrice: true,
      price: '97006',
      fillCount: 2,
    },
    qualityFlags: 0,
  },
  {
    name: 'evm block',
    sourceId: 'hyperevm',
    nativeId: `999:${'1a'.repeat(32)}`,
    marketId: 'evm.999',
    shards: 1,
    eventTimeMs: T + 5_000,
    ingestTimeMs: T + 5_030,
    payloadType: 'EVM_BLOCK_V1',
    payload: {
      chainId: '999',
      number: '12345678',
      hash: '1a'.repeat(32),
      parentHash: '0f'.repeat(32),
      timestampS: String((T + 5_000) / 1000),
      txCount: 3,
    },
    qualityFlags: 0,
  },
  {
    name: 'evm log',
    sourceId: 'hyperevm',
    nativeId: `999:${'1a'.repeat(32)}:2`,
    marketId: 'evm.999',
    shards: 1,
    eventTimeMs: T + 5_000,
    ingestTimeMs: T + 5_030,
    payloadType: 'EVM_LOG_V1',
    payload: {
      chainId: '999',
      blockNumber: '12345678',
      blockHash: '1a'.repeat(32),
      logIndex: 2,
      txHash: '2b'.repeat(32),
      address: '0x5555555555555555555555555555555555555555',
      topics: `0x${'dd'.repeat(32)},0x${'00'.repeat(12)}${'31'.repeat(20)}`,
      data: '0x00000000000000000000000000000000000000000000000000000000000003e8',
    },
    qualityFlags: 0,
  },
  {
    name: 'evm block invalidated',
    sourceId: 'hyperevm',
    nativeId: `999:${'1a'.repeat(32)}:invalidated`,
    marketId: 'evm.999',
    shards: 1,
    eventTimeMs: T + 5_000,
    ingestTimeMs: T + 6_000,
    payloadType: 'EVM_BLOCK_INVALIDATED_V1',
    payload: {
      chainId: '999',
      number: '12345678',
      hash: '1a'.repeat(32),
      replacedBy: '3c'.repeat(32),
    },
    qualityFlags: 0,
  },
];

export function goldenEnvelope(c: GoldenCase): NormalizedEvent {
  const payload = encodePayload(c.payloadType, payloadFromJson(c.payloadType, c.payload));
  const eventId = eventIdOf({
    sourceId: c.sourceId,
    nativeId: c.nativeId,
    marketId: c.marketId,
    eventTimeMs: c.eventTimeMs,
    payloadType: c.payloadType,
    payload,
  });
  return {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    eventId,
    sourceId: c.sourceId,
    sourceVersion: '1',
    connectorId: `${c.sourceId}-connector`,
    connectorVersion: '1.0.0',
    marketId: c.marketId,
    domain: 'crypto.perp',
    eventTimeMs: c.eventTimeMs,
    ingestTimeMs: c.ingestTimeMs,
    payloadType: c.payloadType,
    payload,
    qualityFlags: c.qualityFlags,
    partitionKey: partitionKeyOf(c.marketId, eventId, c.shards),
    traceId: defaultTraceId(eventId),
    ...(c.sourceSeq !== undefined ? { sourceSeq: BigInt(c.sourceSeq) } : {}),
    ...(c.sourceUri !== undefined ? { sourceUri: c.sourceUri } : {}),
    ...(c.confidence !== undefined ? { confidence: c.confidence } : {}),
  };
}

export function renderEventVectors(): string {
  const vectors = GOLDEN_CASES.map((c) => {
    const e = goldenEnvelope(c);
    return {
      name: c.name,
      input: c,
      payload_hex: Buffer.from(e.payload).toString('hex'),
      event_id_preimage_hex: eventIdPreimage({ ...c, payload: e.payload }).toString('hex'),
      event_id: e.eventId,
      partition_key: e.partitionKey,
      envelope_hex: Buffer.from(encodeEnvelope(e)).toString('hex'),
      envelope_json: envelopeToJson(e),
    };
  });
  return `${JSON.stringify({ schemaVersion: ENVELOPE_SCHEMA_VERSION, vectors }, null, 2)}\n`;
}

/** Every pipeline contract file and its fresh text. */
export function renderPipelineContracts(): ReadonlyArray<readonly [string, string]> {
  return [
    [PIPELINE_CONTRACT_FILES.envelopeSchema, envelopeJsonSchemaText()],
    [PIPELINE_CONTRACT_FILES.layouts, renderPayloadLayouts()],
    [PIPELINE_CONTRACT_FILES.vectors, renderEventVectors()],
  ];
}
