/**
 * The aggregation contract files in contracts/aggregation/, rendered from code by
 * `npm run contracts` (a unit test keeps each current): the FeatureSchema, golden vectors for
 * window alignment and window keys (events exactly on a boundary, the first and last ms of an
 * epoch, before origin) and golden FeatureVectors (canonical feature bytes, features_hash, whole
 * vector bytes) computed by the engine from listed inputs. A vector that changes means keys or
 * hashes changed, which must never happen silently.
 */
import type { AggEvent } from './agg.js';
import { makeAggEvent } from './agg.js';
import { WindowEngine } from './engine.js';
import type { MarketSettings } from './engine.js';
import type { FeatureSchema } from './schema.js';
import { FEATURE_SCHEMA } from './schema.js';
import { encodeFeatures, encodeVector, vectorToJson } from './vector.js';
import { epochOf, rollingWindow, tickOf, windowKeyOf, windowKeyPreimage } from './windows.js';
import type { WindowSettings } from './windows.js';

export const AGGREGATION_CONTRACT_FILES = {
  schema: 'contracts/aggregation/feature-schema.v1.json',
  windows: 'contracts/aggregation/window-vectors.v1.json',
  vectors: 'contracts/aggregation/feature-vectors.v1.json',
} as const;

export function renderFeatureSchema(s: FeatureSchema = FEATURE_SCHEMA): string {
  const features = s.features.map((f) => ({
    ...f,
    default: typeof f.default === 'bigint' ? f.default.toString() : f.default,
  }));
  return `${JSON.stringify({ ...s, features }, null, 2)}\n`;
}

export const WINDOW_GOLDEN_SETTINGS: WindowSettings = {
  originMs: 1_000,
  epochWindowMs: 60_000,
  publishCadenceMs: 5_000,
  allowedLatenessMs: 2_000,
};
const ROLLING_MS = 15_000;

/** Event times probing the edges: first/last ms of an epoch, exactly on a tick boundary, before origin. */
export const WINDOW_GOLDEN_TIMES: ReadonlyArray<readonly [string, number]> = [
  ['first ms of epoch 0', 1_000],
  ['last ms of tick 0', 5_999],
  ['exactly on the tick 1 boundary', 6_000],
  ['last ms of epoch 0', 60_999],
  ['first ms of epoch 1 (exactly on the epoch boundary)', 61_000],
  ['last ms before origin (epoch -1)', 999],
  ['a 2025 wall-clock time', 1_764_806_400_000],
];

export function renderWindowVectors(marketId = 'hl.perp.BTC'): string {
  const s = WINDOW_GOLDEN_SETTINGS;
  const v = FEATURE_SCHEMA.version;
  const vectors = WINDOW_GOLDEN_TIMES.map(([name, t]) => {
    const tick = tickOf(s, t);
    const epoch = epochOf(s, t);
    const roll = rollingWindow(tick.endMs, ROLLING_MS);
    const keys = {
      tick: { ...tick },
      epoch: { epochId: epoch.epochId, tickIndex: -1, startMs: epoch.startMs, endMs: epoch.endMs },
      rolling: { epochId: tick.epochId, tickIndex: tick.tickIndex, ...roll },
    };
    const out: Record<string, unknown> = { name, event_time_ms: t };
    for (const [kind, k] of Object.entries(keys)) {
      const input = { marketId, ...k, featureSchemaVersion: v };
      out[kind] = {
        ...k,
        window_key_preimage_hex: windowKeyPreimage(input).toString('hex'),
        window_key: windowKeyOf(input),
      };
    }
    return out;
  });
  return `${JSON.stringify(
    { settings: s, rolling_window_ms: ROLLING_MS, market_id: marketId, feature_schema_version: v, vectors },
    null,
    2,
  )}\n`;
}

/** JSON inputs of the golden feature vectors: bigint fields as integer text (already scaled). */
interface GoldenInput {
  readonly eventId: string;
  readonly t: number;
  readonly lag: number;
  readonly source: string;
  readonly flags?: number;
  readonly trade?: { readonly price: string; readonly size: string };
  readonly ref?: string;
  readonly refType?: 'BOOK_TOP_V1';
  readonly signal?: {
    readonly influencerId: string;
    readonly side: 'FLAT' | 'LONG' | 'SHORT';
    readonly deltaSize: string;
  };
}

const id = (n: number): string => n.toString(16).padStart(64, '0');
const E8 = '00000000';
const T = 1_764_806_400_000; // 00:00 UTC, an epoch and tick start for the settings below

export const VECTOR_GOLDEN_SETTINGS: MarketSettings = {
  originMs: 0,
  epochWindowMs: 60_000,
  publishCadenceMs: 5_000,
  allowedLatenessMs: 2_000,
  rollingWindowsMs: [15_000],
  sourcesExpected: 2,
  maxStalenessMs: 30,
  maxSkewMs: 5_000,
};

export const VECTOR_GOLDEN_INPUTS: readonly GoldenInput[] = [
  { eventId: id(1), t: T, lag: 5, source: 'hyperliquid', trade: { price: `100${E8}`, size: `2${E8}` } },
  {
    eventId: id(2),
    t: T + 1_000,
    lag: 40,
    source: 'influencer-ingester',
    signal: { influencerId: 'whale-1', side: 'LONG', deltaSize: `3${E8}` },
  },
  {
    eventId: id(3),
    t: T + 1_000,
    lag: 7,
    source: 'hyperliquid',
    trade: { price: `101${E8}`, size: `1${E8}` },
  },
  { eventId: id(4), t: T + 2_000, lag: 3, source: 'hyperliquid', ref: `102${E8}`, refType: 'BOOK_TOP_V1' },
  {
    eventId: id(5),
    t: T + 4_999,
    lag: 9,
    source: 'influencer-ingester',
    signal: { influencerId: 'whale-2', side: 'SHORT', deltaSize: `-1${E8}` },
    flags: 0x20,
  },
  // Exactly on the tick 1 boundary: belongs to [T+5 000, T+10 000).
  {
    eventId: id(6),
    t: T + 5_000,
    lag: 1,
    source: 'hyperliquid',
    trade: { price: `99${E8}`, size: `1${E8}` },
  },
  // Advances the watermark to close tick 0 (T+5 000 + 2 000) but not tick 1.
  {
    eventId: id(7),
    t: T + 7_000,
    lag: 2,
    source: 'hyperliquid',
    trade: { price: `98${E8}`, size: `1${E8}` },
  },
];

export function goldenAggEvents(marketId = 'hl.perp.BTC'): AggEvent[] {
  return VECTOR_GOLDEN_INPUTS.map((g) =>
    makeAggEvent(
      {
        marketId,
        eventId: g.eventId,
        eventTimeMs: g.t,
        ingestTimeMs: g.t + g.lag,
        sourceId: g.source,
        payloadType: g.signal !== undefined ? 'INFLUENCER_SIGNAL_V1' : (g.refType ?? 'TRADE_TICK_V1'),
        qualityFlags: g.flags ?? 0,
      },
      g.trade !== undefined
        ? {
            trade: { price: BigInt(g.trade.price), size: BigInt(g.trade.size) },
            refPrice: BigInt(g.trade.price),
            streamKey: `${g.source}|TRADE_TICK_V1`,
          }
        : g.ref !== undefined
          ? { refPrice: BigInt(g.ref), streamKey: `${g.source}|${g.refType ?? ''}` }
          : g.signal !== undefined
            ? { signal: { ...g.signal, deltaSize: BigInt(g.signal.deltaSize) } }
            : {},
    ),
  );
}

/** Feeds the inputs in order, then flushes: complete tick 0 vectors, then early (partial) ones. */
export function goldenVectors(): ReturnType<WindowEngine['flush']> {
  const e = new WindowEngine({ settingsFor: () => VECTOR_GOLDEN_SETTINGS, latePolicy: 'drop' });
  return [...goldenAggEvents().flatMap((x) => e.add(x)), ...e.flush()];
}

export function renderFeatureVectors(): string {
  const vectors = goldenVectors().map((v) => ({
    vector: vectorToJson(v),
    feature_bytes_hex: Buffer.from(encodeFeatures(FEATURE_SCHEMA, v.features)).toString('hex'),
    features_hash: v.featuresHash,
    vector_hex: Buffer.from(encodeVector(FEATURE_SCHEMA, v)).toString('hex'),
  }));
  return `${JSON.stringify(
    { settings: VECTOR_GOLDEN_SETTINGS, market_id: 'hl.perp.BTC', inputs: VECTOR_GOLDEN_INPUTS, vectors },
    null,
    2,
  )}\n`;
}

export function renderAggregationContracts(): ReadonlyArray<readonly [string, string]> {
  return [
    [AGGREGATION_CONTRACT_FILES.schema, renderFeatureSchema()],
    [AGGREGATION_CONTRACT_FILES.windows, renderWindowVectors()],
    [AGGREGATION_CONTRACT_FILES.vectors, renderFeatureVectors()],
  ];
}
