/**
 * event_id (M0 §5). With a stable native id:  sha256(0x01 ‖ source_id ‖ native_id ‖ canonical_payload)
 * otherwise:                                  sha256(0x02 ‖ source_id ‖ market_id ‖ event_time_ms ‖ canonical_payload)
 * where ‖ joins components each framed as a u32 big-endian byte length then the bytes (strings
 * UTF-8, event_time_ms as u64 big-endian), and canonical_payload = u16 payload type code ‖
 * payload layout bytes. The leading form byte keeps the two forms from ever colliding; the type
 * code keeps two payload types with equal bytes apart. Golden vectors: contracts/pipeline/.
 */
import { hash } from 'node:crypto';
import { ByteWriter } from './bytes.js';
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

const FORM_NATIVE = 0x01;
const FORM_FALLBACK = 0x02;
const w = new ByteWriter(512);

function writePreimage(e: EventIdInput): void {
  w.reset();
  if (e.nativeId !== undefined) {
    w.u8(FORM_NATIVE);
    frameStr(w, e.sourceId);
    frameStr(w, e.nativeId);
  } else {
    w.u8(FORM_FALLBACK);
    frameStr(w, e.sourceId);
    frameStr(w, e.marketId);
    w.u32(8).u64n(e.eventTimeMs);
  }
  w.u32(2 + e.payload.length)
    .u16(PAYLOAD_LAYOUTS[e.payloadType].code)
    .raw(e.payload);
}

/**
 * The ‖ framing of every hashed preimage (event_id here, window_key in aggregation): a u32
 * big-endian byte length, then the bytes. One definition so the two can never frame differently.
 */
export function frameStr(out: ByteWriter, s: string): ByteWriter {
  return out.str32(s);
}

/** A signed integer component framed as length 8 + i64 big-endian (negative epochs stay unambiguous). */
export function frameI64(out: ByteWriter, v: number): ByteWriter {
  return out.u32(8).i64(BigInt(v));
}

/** The exact bytes hashed for an event id (exposed for the golden vectors and the docs). */
export function eventIdPreimage(e: EventIdInput): Buffer {
  writePreimage(e);
  return Buffer.from(w.finish());
}

/** 64 lower-case hex. One-shot hash over a reused buffer: no allocation but the digest. */
export function eventIdOf(e: EventIdInput): string {
  writePreimage(e);
  return hash('sha256', w.view_(), 'hex');
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
