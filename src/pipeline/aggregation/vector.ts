/**
 * FeatureVector (M0 aggregation spec) and its deterministic canonical encodings:
 * - canonical feature bytes: u16 schema version, then per feature in schema order a u8 presence
 *   byte and the value in its dtype (the default when absent); features_hash = sha256 of them;
 * - the whole vector (features.vectors.v1): magic "FV", u8 encoding version, window kind,
 *   market, epoch, tick, bounds, window_key, schema version, revision, quality flags, coverage,
 *   the feature bytes and the hash. Every integer big-endian; no map order, no floats.
 * Golden vectors for both: contracts/aggregation/ (npm run contracts).
 */
import { hash } from 'node:crypto';
import { ValidationError } from '../../core/index.js';
import { ByteReader, ByteWriter } from '../envelope/index.js';
import type { FeatureSchema, FeatureSpec, FeatureValue, FeatureValues } from './schema.js';

export const WINDOW_KINDS = ['tick', 'epoch', 'rolling'] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];

export interface Coverage {
  readonly sourcesExpected: number;
  readonly sourcesSeen: number;
  readonly eventsSeen: number;
  readonly lateEventsDropped: number;
  readonly staleEventsSeen: number;
}

export interface FeatureVector {
  readonly kind: WindowKind;
  readonly marketId: string;
  readonly epochId: number;
  /** Tick index for tick windows and the ending tick for rolling windows; −1 for the epoch window. */
  readonly tickIndex: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly windowKey: string;
  readonly schemaVersion: number;
  /** 0 for an early (PARTIAL_COVERAGE) emit, 1 once the watermark passed end + lateness. */
  readonly revision: number;
  /** OR of the inputs' flags plus the vector's own (PARTIAL_COVERAGE). */
  readonly qualityFlags: number;
  readonly coverage: Coverage;
  readonly features: FeatureValues;
  readonly featuresHash: string;
}

export const VECTOR_MAGIC = 0x4656; // "FV"
export const VECTOR_ENCODING_VERSION = 1;
const U32_MAX = 0xffffffff;

function notA(spec: FeatureSpec, v: FeatureValue): never {
  throw new ValidationError(`feature ${spec.name}: ${String(v)} is not a ${spec.dtype}`, [spec.name]);
}

function writeValue(w: ByteWriter, spec: FeatureSpec, v: FeatureValue): void {
  switch (spec.dtype) {
    case 'i64':
      if (typeof v !== 'bigint') notA(spec, v);
      w.i64(v);
      return;
    case 'u64':
      if (typeof v !== 'bigint') notA(spec, v);
      w.u64(v);
      return;
    case 'f64_scaled_u32':
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > U32_MAX) notA(spec, v);
      w.u32(v);
      return;
    case 'bool':
      if (typeof v !== 'boolean') notA(spec, v);
      w.u8(v ? 1 : 0);
      return;
    case 'string_ref':
      if (typeof v !== 'string') notA(spec, v);
      w.str(v);
      return;
  }
}

function readValue(r: ByteReader, spec: FeatureSpec): FeatureValue {
  switch (spec.dtype) {
    case 'i64':
      return r.i64(spec.name);
    case 'u64':
      return r.u64(spec.name);
    case 'f64_scaled_u32':
      return r.u32(spec.name);
    case 'bool': {
      const b = r.u8(spec.name);
      if (b > 1) throw new ValidationError(`feature ${spec.name}: bool byte ${b}`, [spec.name]);
      return b === 1;
    }
    case 'string_ref':
      return r.str(spec.name);
  }
}

const fw = new ByteWriter(512);

/** Canonical feature bytes. A required feature that is missing, or an unknown name, is an error. */
export function encodeFeatures(schema: FeatureSchema, values: FeatureValues): Uint8Array {
  let known = 0;
  fw.reset();
  fw.u16(schema.version);
  for (const spec of schema.features) {
    const v = values[spec.name];
    if (v === undefined && spec.required)
      throw new ValidationError(`required feature ${spec.name} is missing`, [spec.name]);
    if (v !== undefined) known += 1;
    fw.u8(v === undefined ? 0 : 1);
    writeValue(fw, spec, v ?? spec.default);
  }
  if (known !== Object.keys(values).length) {
    const names = new Set(schema.features.map((x) => x.name));
    const extra = Object.keys(values).filter((k) => !names.has(k));
    throw new ValidationError(`features ${extra.join(', ')} are not in schema v${schema.version}`, extra);
  }
  return fw.finish();
}

export function decodeFeatures(schema: FeatureSchema, bytes: Uint8Array): FeatureValues {
  const r = new ByteReader(bytes, 'feature bytes');
  const version = r.u16('schema_version');
  if (version !== schema.version)
    throw new ValidationError(`feature bytes are schema v${version}, expected v${schema.version}`, [
      'schema_version',
    ]);
  const out: Record<string, FeatureValue> = {};
  for (const spec of schema.features) {
    const present = r.u8(`${spec.name}.present`);
    const v = readValue(r, spec);
    if (present === 1) out[spec.name] = v;
    else if (present !== 0 || spec.required)
      throw new ValidationError(`feature ${spec.name}: bad presence byte ${present}`, [spec.name]);
  }
  r.end();
  return out;
}

export function featuresHashOf(featureBytes: Uint8Array): string {
  return hash('sha256', featureBytes, 'hex');
}

export type VectorDraft = Omit<FeatureVector, 'featuresHash'>;

/** Completes a vector: its hash over the canonical feature bytes. */
export function sealVector(schema: FeatureSchema, d: VectorDraft): FeatureVector {
  return { ...d, featuresHash: featuresHashOf(encodeFeatures(schema, d.features)) };
}

export function encodeVector(schema: FeatureSchema, v: FeatureVector): Uint8Array {
  const features = encodeFeatures(schema, v.features);
  const w = new ByteWriter(256 + features.length);
  w.u16(VECTOR_MAGIC).u8(VECTOR_ENCODING_VERSION).u8(WINDOW_KINDS.indexOf(v.kind));
  w.str(v.marketId);
  w.i64(BigInt(v.epochId)).i64(BigInt(v.tickIndex)).i64(BigInt(v.startMs)).i64(BigInt(v.endMs));
  w.hex(v.windowKey, 32);
  w.u16(v.schemaVersion).u32(v.revision).u32(v.qualityFlags);
  const c = v.coverage;
  w.u32(c.sourcesExpected).u32(c.sourcesSeen);
  w.u64(BigInt(c.eventsSeen)).u64(BigInt(c.lateEventsDropped)).u64(BigInt(c.staleEventsSeen));
  w.bytes(features);
  w.hex(v.featuresHash, 32);
  return w.finish();
}

export function decodeVector(schema: FeatureSchema, bytes: Uint8Array): FeatureVector {
  const r = new ByteReader(bytes, 'feature vector');
  const magic = r.u16('magic');
  if (magic !== VECTOR_MAGIC) throw new ValidationError(`not a feature vector (magic ${magic})`, ['magic']);
  const enc = r.u8('encoding_version');
  if (enc !== VECTOR_ENCODING_VERSION)
    throw new ValidationError(`feature vector encoding v${enc} is not supported`, ['encoding_version']);
  const kind = WINDOW_KINDS[r.u8('kind')];
  if (kind === undefined) throw new ValidationError('feature vector: unknown window kind', ['kind']);
  const marketId = r.str('market_id');
  const num = (field: string): number => {
    const v = r.i64(field);
    if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new ValidationError(`feature vector: ${field} exceeds 2^53`, [field]);
    return Number(v);
  };
  const epochId = num('epoch_id');
  const tickIndex = num('tick_index');
  const startMs = num('start_ms');
  const endMs = num('end_ms');
  const windowKey = r.hex(32, 'window_key');
  const schemaVersion = r.u16('schema_version');
  const revision = r.u32('revision');
  const qualityFlags = r.u32('quality_flags');
  const coverage: Coverage = {
    sourcesExpected: r.u32('sources_expected'),
    sourcesSeen: r.u32('sources_seen'),
    eventsSeen: Number(r.u64('events_seen')),
    lateEventsDropped: Number(r.u64('late_events_dropped')),
    staleEventsSeen: Number(r.u64('stale_events_seen')),
  };
  const featureBytes = r.bytes('features');
  const featuresHash = r.hex(32, 'features_hash');
  r.end();
  if (featuresHashOf(featureBytes) !== featuresHash)
    throw new ValidationError('feature vector: features_hash does not match the feature bytes', [
      'features_hash',
    ]);
  return {
    kind,
    marketId,
    epochId,
    tickIndex,
    startMs,
    endMs,
    windowKey,
    schemaVersion,
    revision,
    qualityFlags,
    coverage,
    features: decodeFeatures(schema, featureBytes),
    featuresHash,
  };
}

/** JSON form (Kafka metrics topics, the local file log, ClickHouse): bigint as decimal text, snake_case. */
export function vectorToJson(v: FeatureVector): Record<string, unknown> {
  const features: Record<string, string | number | boolean> = {};
  for (const [k, x] of Object.entries(v.features)) features[k] = typeof x === 'bigint' ? x.toString() : x;
  return {
    kind: v.kind,
    market_id: v.marketId,
    epoch_id: v.epochId,
    tick_index: v.tickIndex,
    start_ms: v.startMs,
    end_ms: v.endMs,
    window_key: v.windowKey,
    schema_version: v.schemaVersion,
    revision: v.revision,
    quality_flags: v.qualityFlags,
    coverage: {
      sources_expected: v.coverage.sourcesExpected,
      sources_seen: v.coverage.sourcesSeen,
      events_seen: v.coverage.eventsSeen,
      late_events_dropped: v.coverage.lateEventsDropped,
      stale_events_seen: v.coverage.staleEventsSeen,
    },
    features,
    features_hash: v.featuresHash,
  };
}
