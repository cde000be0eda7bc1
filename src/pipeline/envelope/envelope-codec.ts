/**
 * The canonical binary form of NormalizedEvent v1 (big-endian):
 *   magic "NE" u16 · schema_version u16 · event_id 32 · source_id str · source_version str ·
 *   connector_id str · connector_version str · market_id str · domain str · event_time_ms u64 ·
 *   ingest_time_ms u64 · payload_type u16 (layout code) · payload u32+bytes · quality_flags u32 ·
 *   partition_key str · trace_id 16 · optional mask u8 (bit0 source_seq, bit1 source_uri,
 *   bit2 confidence) · [source_seq u64] · [source_uri str] · [confidence u16]
 * (str = u16 length + UTF-8). One event has exactly one encoding; decoding is strict.
 * Plus the JSON debug form (snake_case, payload decoded), for debug connectors and printing.
 */
import { ValidationError } from '../../core/index.js';
import { ByteReader, ByteWriter } from './bytes.js';
import type { NormalizedEvent, NormalizedEventJson } from './envelope.js';
import { CONFIDENCE_MAX, ENVELOPE_SCHEMA_VERSION } from './envelope.js';
import { QUALITY_FLAGS_MASK } from './flags.js';
import type { FieldSpec, PayloadType } from './layouts.js';
import { PAYLOAD_LAYOUTS, payloadTypeOfCode } from './layouts.js';
import { decodePayload } from './payload-codec.js';
import { fromFixed } from './fixed-point.js';

export const ENVELOPE_MAGIC = 0x4e45; // "NE"

const writer = new ByteWriter(1024);

export function encodeEnvelope(e: NormalizedEvent): Uint8Array {
  if ((e.qualityFlags & ~QUALITY_FLAGS_MASK) !== 0) {
    throw new ValidationError(`quality_flags has undefined bits: 0x${e.qualityFlags.toString(16)}`, [
      'quality_flags',
    ]);
  }
  if (e.confidence !== undefined && (e.confidence < 0 || e.confidence > CONFIDENCE_MAX)) {
    throw new ValidationError(`confidence ${e.confidence} outside 0..${CONFIDENCE_MAX}`, ['confidence']);
  }
  const w = writer;
  w.reset();
  w.u16(ENVELOPE_MAGIC).u16(e.schemaVersion).hex(e.eventId, 32);
  w.str(e.sourceId)
    .str(e.sourceVersion)
    .str(e.connectorId)
    .str(e.connectorVersion)
    .str(e.marketId)
    .str(e.domain);
  w.u64n(e.eventTimeMs).u64n(e.ingestTimeMs);
  w.u16(PAYLOAD_LAYOUTS[e.payloadType].code).bytes(e.payload).u32(e.qualityFlags);
  w.str(e.partitionKey).hex(e.traceId, 16);
  const mask =
    (e.sourceSeq !== undefined ? 1 : 0) |
    (e.sourceUri !== undefined ? 2 : 0) |
    (e.confidence !== undefined ? 4 : 0);
  w.u8(mask);
  if (e.sourceSeq !== undefined) w.u64(e.sourceSeq);
  if (e.sourceUri !== undefined) w.str(e.sourceUri);
  if (e.confidence !== undefined) w.u16(e.confidence);
  return w.finish();
}

/**
 * The payload type of encoded envelope bytes without decoding the payload: skips the fixed
 * header (magic, version, id, six u16-length strings, two u64 times) to the u16 layout code.
 * For routing (the Kafka silver topic per payload) at a fraction of decodeEnvelope's cost.
 */
export function peekPayloadType(bytes: Uint8Array): PayloadType {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): never => {
    throw new ValidationError(`NormalizedEvent: ${why}`, ['payload_type']);
  };
  if (bytes.byteLength < 36 || v.getUint16(0) !== ENVELOPE_MAGIC) bad('bad magic or too short');
  let at = 36; // magic 2 + schema_version 2 + event_id 32
  for (let i = 0; i < 6; i++) {
    if (at + 2 > bytes.byteLength) bad('truncated before payload_type');
    at += 2 + v.getUint16(at);
  }
  at += 16; // event_time_ms, ingest_time_ms
  if (at + 2 > bytes.byteLength) bad('truncated before payload_type');
  const code = v.getUint16(at);
  return payloadTypeOfCode(code) ?? bad(`unknown payload type code ${code}`);
}

export function decodeEnvelope(bytes: Uint8Array): NormalizedEvent {
  const r = new ByteReader(bytes, 'NormalizedEvent');
  const magic = r.u16('magic');
  if (magic !== ENVELOPE_MAGIC)
    throw new ValidationError(`NormalizedEvent: bad magic 0x${magic.toString(16)}`, ['magic']);
  const version = r.u16('schema_version');
  if (version !== ENVELOPE_SCHEMA_VERSION) {
    throw new ValidationError(`NormalizedEvent: unsupported schema_version ${version}`, ['schema_version']);
  }
  const eventId = r.hex(32, 'event_id');
  const sourceId = r.str('source_id');
  const sourceVersion = r.str('source_version');
  const connectorId = r.str('connector_id');
  const connectorVersion = r.str('connector_version');
  const marketId = r.str('market_id');
  const domain = r.str('domain');
  const eventTimeMs = r.u64n('event_time_ms');
  const ingestTimeMs = r.u64n('ingest_time_ms');
  const code = r.u16('payload_type');
  const payloadType = payloadTypeOfCode(code);
  if (payloadType === undefined)
    throw new ValidationError(`NormalizedEvent: unknown payload type code ${code}`, ['payload_type']);
  const payload = new Uint8Array(r.bytes('payload')); // a copy, and a plain Uint8Array even from a Buffer
  const qualityFlags = r.u32('quality_flags');
  if ((qualityFlags & ~QUALITY_FLAGS_MASK) !== 0) {
    throw new ValidationError(`NormalizedEvent: undefined quality flag bits 0x${qualityFlags.toString(16)}`, [
      'quality_flags',
    ]);
  }
  const partitionKey = r.str('partition_key');
  const traceId = r.hex(16, 'trace_id');
  const mask = r.u8('optional_mask');
  if ((mask & ~7) !== 0)
    throw new ValidationError(`NormalizedEvent: bad optional mask ${mask}`, ['optional_mask']);
  const sourceSeq = (mask & 1) !== 0 ? r.u64('source_seq') : undefined;
  const sourceUri = (mask & 2) !== 0 ? r.str('source_uri') : undefined;
  const confidence = (mask & 4) !== 0 ? r.u16('confidence') : undefined;
  if (confidence !== undefined && confidence > CONFIDENCE_MAX) {
    throw new ValidationError(`NormalizedEvent: confidence ${confidence} > ${CONFIDENCE_MAX}`, [
      'confidence',
    ]);
  }
  r.end();
  decodePayload(payloadType, payload); // a payload that does not match its layout is not an event
  return {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    eventId,
    sourceId,
    sourceVersion,
    connectorId,
    connectorVersion,
    marketId,
    domain,
    eventTimeMs,
    ingestTimeMs,
    payloadType,
    payload,
    qualityFlags,
    partitionKey,
    traceId,
    ...(sourceSeq !== undefined ? { sourceSeq } : {}),
    ...(sourceUri !== undefined ? { sourceUri } : {}),
    ...(confidence !== undefined ? { confidence } : {}),
  };
}

/** The JSON debug form: fixed-point fields as decimal text, u64 as text. */
export function envelopeToJson(e: NormalizedEvent): NormalizedEventJson {
  const layout = PAYLOAD_LAYOUTS[e.payloadType];
  const decoded = decodePayload(e.payloadType, e.payload) as unknown as Record<string, unknown>;
  const payload: Record<string, string | number | boolean> = {};
  for (const f of layout.fields as readonly FieldSpec[]) {
    const v = decoded[f.name];
    payload[f.name] =
      typeof v === 'bigint'
        ? f.type === 'fixed'
          ? fromFixed(v, f.scale ?? 0)
          : v.toString()
        : (v as string | number | boolean);
  }
  return {
    schema_version: e.schemaVersion,
    event_id: e.eventId,
    source_id: e.sourceId,
    source_version: e.sourceVersion,
    connector_id: e.connectorId,
    connector_version: e.connectorVersion,
    market_id: e.marketId,
    domain: e.domain,
    event_time_ms: e.eventTimeMs,
    ingest_time_ms: e.ingestTimeMs,
    payload_type: e.payloadType,
    payload_hex: Buffer.from(e.payload).toString('hex'),
    payload,
    quality_flags: e.qualityFlags,
    partition_key: e.partitionKey,
    trace_id: e.traceId,
    ...(e.sourceSeq !== undefined ? { source_seq: e.sourceSeq.toString() } : {}),
    ...(e.sourceUri !== undefined ? { source_uri: e.sourceUri } : {}),
    ...(e.confidence !== undefined ? { confidence: e.confidence } : {}),
  };
}
