/**
 * event_id (M0 §5). With a stable native id:  sha256(0x01 ‖ source_id ‖ native_id ‖ canonical_payload)
 * otherwise:                                  sha256(0x02 ‖ source_id ‖ market_id ‖ event_time_ms ‖ canonical_payload)
 * where ‖ joins components each framed as a u32 big-endian byte length then the bytes (strings
 * UTF-8, event_time_ms as u64 big-endian), and canonical_payload = u16 payload type code ‖
 * payload layout bytes. The leading form byte keeps the two forms from ever colliding; the type
 * code keeps two payload types with equal bytes apart. Golden vectors: contracts/pipeline/.
 */
import { createHash } from 'node:crypto';
import type { PayloadType } from './layouts.js';
import { PAYLOAD_LAYOUTS } from './layouts.js';

export interface EventIdInput {
  readonly sourceId: string;
  /** The source's stable id for this record (trade id, fill key, signal id), if it has one. */
  readonly nativeId?: string | undefined;
  readonly marketId: string;
  readonly eventTimeMs: number;
  readonly payloadType: PayloadType;
  readonly payload: Uint8Array;
}

const FORM_NATIVE = Buffer.from([0x01]);
const FORM_FALLBACK = Buffer.from([0x02]);

function lenPrefix(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
}

function str(s: string): [Buffer, Buffer] {
  const b = Buffer.from(s, 'utf8');
  return [lenPrefix(b.length), b];
}

function u64(ms: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(ms));
  return b;
}

/** The exact bytes hashed for an event id (exposed for the golden vectors and the docs). */
export function eventIdPreimage(e: EventIdInput): Buffer {
  const code = Buffer.allocUnsafe(2);
  code.writeUInt16BE(PAYLOAD_LAYOUTS[e.payloadType].code);
  const payload: Buffer[] = [lenPrefix(2 + e.payload.length), code, Buffer.from(e.payload)];
  const parts: Buffer[] =
    e.nativeId !== undefined
      ? [FORM_NATIVE, ...str(e.sourceId), ...str(e.nativeId), ...payload]
      : [FORM_FALLBACK, ...str(e.sourceId), ...str(e.marketId), lenPrefix(8), u64(e.eventTimeMs), ...payload];
  return Buffer.concat(parts);
}

/** 64 lower-case hex. */
export function eventIdOf(e: EventIdInput): string {
  return createHash('sha256').update(eventIdPreimage(e)).digest('hex');
}

/** Partition key (M0 §6): market_id, or market_id#n with n from the event id's first 4 bytes. */
export function partitionKeyOf(marketId: string, eventId: string, shards: number): string {
  if (shards <= 1) return marketId;
  return `${marketId}#${Number.parseInt(eventId.slice(0, 8), 16) % shards}`;
}

/** The default trace id when the source gave none: deterministic, so replays are byte-identical. */
export function defaultTraceId(eventId: string): string {
  return eventId.slice(32, 64);
}
