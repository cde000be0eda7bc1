/**
 * The bronze stage (254Carbon data stages): every raw record a connector pushed, kept as
 * received (connector id and version, received time, source uri and trace id, the degraded
 * state the connector reported, the raw bytes), so silver can be rebuilt from it by
 * reprocessing. One partition holds every connector in arrival order, because the validation
 * state (outlier statistics, cross-source divergence) is shared across connectors: replaying
 * the same order is what makes a rebuilt event byte-identical to the original.
 *
 * Record v2, big-endian, deterministic (equal records are equal bytes):
 *   "BR" · version u8 (2) · flags u8 (bit 0 degraded, bit 1 source_uri, bit 2 trace_id) ·
 *   received_at_ms u64 · connector_id str · connector_version str · [source_uri str32] ·
 *   [trace_id str32] · raw (u32 length + bytes)
 *   (str = u16 length + UTF-8; str32 = u32 length + UTF-8: a source's uri has no 64 KiB bound)
 * Its idempotency id is sha256 of exactly these bytes, so a replayed batch is written once.
 * v1 (JSON with base64 raw) was 29% of ingest CPU; v1 records already on disk still decode.
 */
import { hash } from 'node:crypto';
import { z } from 'zod';
import { StateError } from '../../core/index.js';
import type { RawRecord } from '../connectors/index.js';
import { ByteReader, ByteWriter } from '../envelope/index.js';
import type { AppendRequest } from '../eventlog/index.js';

export const BRONZE_PARTITION = 'raw';

const MAGIC0 = 0x42; // 'B'
const MAGIC1 = 0x52; // 'R'
export const BRONZE_VERSION = 2;
const F_DEGRADED = 1;
const F_SOURCE_URI = 2;
const F_TRACE_ID = 4;
const F_KNOWN = F_DEGRADED | F_SOURCE_URI | F_TRACE_ID;
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** A bronze record, decoded: the connector's RawRecord plus who pushed it and in what state. */
export interface BronzeRecord {
  readonly connectorId: string;
  readonly connectorVersion: string;
  readonly receivedAtMs: number;
  readonly degraded: boolean;
  readonly sourceUri?: string;
  readonly traceId?: string;
  readonly raw: Uint8Array;
}

// One writer for every record: the bytes are copied out by finish(), so reuse is safe.
const writer = new ByteWriter(1024);

/** The binary bronze record (v2) of one raw record. */
export function encodeBronze(
  raw: RawRecord,
  connectorId: string,
  connectorVersion: string,
  degraded: boolean,
): ByteWriter {
  const w = writer;
  w.reset();
  const flags =
    (degraded ? F_DEGRADED : 0) |
    (raw.sourceUri !== undefined ? F_SOURCE_URI : 0) |
    (raw.traceId !== undefined ? F_TRACE_ID : 0);
  w.u8(MAGIC0).u8(MAGIC1).u8(BRONZE_VERSION).u8(flags);
  w.u64n(raw.receivedAtMs).str(connectorId).str(connectorVersion);
  if (raw.sourceUri !== undefined) w.str32(raw.sourceUri);
  if (raw.traceId !== undefined) w.str32(raw.traceId);
  w.bytes(raw.bytes);
  return w;
}

/** Keyed by content: the same record appended again (a replayed batch) is written once. */
export function bronzeRequest(
  raw: RawRecord,
  connectorId: string,
  connectorVersion: string,
  degraded: boolean,
): AppendRequest {
  const w = encodeBronze(raw, connectorId, connectorVersion, degraded);
  return {
    partition: BRONZE_PARTITION,
    // One hash per record, over the writer's buffer in place (no copy before hashing).
    eventId: hash('sha256', w.view_(), 'hex'),
    timestampMs: raw.receivedAtMs,
    bytes: w.finish(),
  };
}

export function decodeBronze(bytes: Uint8Array): BronzeRecord {
  if (bytes[0] === 0x7b /* '{' */) return decodeBronzeV1(bytes);
  try {
    const r = new ByteReader(bytes, 'bronze record');
    if (r.u8('magic') !== MAGIC0 || r.u8('magic') !== MAGIC1)
      throw new StateError('SPOOL_CORRUPT', 'bronze record is damaged: bad magic (expected "BR")');
    const version = r.u8('version');
    if (version !== BRONZE_VERSION)
      throw new StateError('SPOOL_CORRUPT', `bronze record is damaged: unknown version ${version}`);
    const flags = r.u8('flags');
    if ((flags & ~F_KNOWN) !== 0)
      throw new StateError(
        'SPOOL_CORRUPT',
        `bronze record is damaged: unknown flags 0x${flags.toString(16)}`,
      );
    const receivedAtMs = r.u64n('received_at_ms');
    const connectorId = r.str('connector_id');
    const connectorVersion = r.str('connector_version');
    const sourceUri = (flags & F_SOURCE_URI) !== 0 ? utf8Strict.decode(r.bytes('source_uri')) : undefined;
    const traceId = (flags & F_TRACE_ID) !== 0 ? utf8Strict.decode(r.bytes('trace_id')) : undefined;
    const raw = r.bytes('raw');
    r.end();
    if (connectorId === '' || connectorVersion === '')
      throw new StateError('SPOOL_CORRUPT', 'bronze record is damaged: empty connector id or version');
    return {
      connectorId,
      connectorVersion,
      receivedAtMs,
      degraded: (flags & F_DEGRADED) !== 0,
      ...(sourceUri !== undefined ? { sourceUri } : {}),
      ...(traceId !== undefined ? { traceId } : {}),
      raw,
    };
  } catch (e) {
    if (e instanceof StateError) throw e;
    throw new StateError('SPOOL_CORRUPT', `bronze record is damaged: ${(e as Error).message}`, { cause: e });
  }
}

/** v1 (JSON, base64 raw): what bronze logs written before v2 hold. */
const BronzeRecordV1 = z
  .object({
    v: z.literal(1),
    connectorId: z.string().min(1),
    connectorVersion: z.string().min(1),
    receivedAtMs: z.number().int().nonnegative(),
    degraded: z.boolean(),
    sourceUri: z.string().optional(),
    traceId: z.string().optional(),
    raw: z.string(),
  })
  .strict();

function decodeBronzeV1(bytes: Uint8Array): BronzeRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new StateError('SPOOL_CORRUPT', 'bronze record is not valid JSON', { cause });
  }
  const res = BronzeRecordV1.safeParse(parsed);
  if (!res.success) throw new StateError('SPOOL_CORRUPT', `bronze record is damaged: ${res.error.message}`);
  const { v: _v, raw, ...rest } = res.data;
  return { ...rest, raw: Buffer.from(raw, 'base64') };
}

/** The RawRecord the connector pushed, back from its bronze record. */
export function rawOfBronze(r: BronzeRecord): RawRecord {
  return {
    bytes: r.raw,
    receivedAtMs: r.receivedAtMs,
    ...(r.sourceUri !== undefined ? { sourceUri: r.sourceUri } : {}),
    ...(r.traceId !== undefined ? { traceId: r.traceId } : {}),
  };
}
