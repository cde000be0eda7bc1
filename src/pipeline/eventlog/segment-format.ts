/**
 * On-disk format of the file event log. A partition is a directory (partition name URI-encoded)
 * of segments named by their base offset (20 digits): `<base>.log` holds frames, `<base>.idx`
 * a sparse index.
 *   frame:       u32 body length · u32 crc32(body) · body
 *   body:        u64 offset · u64 timestamp_ms · 32 bytes event_id · record bytes
 *   index entry: u32 offset − base · u32 file position · u64 max timestamp up to this record
 * A torn tail (crash mid-write) fails its length or crc and is truncated on open.
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER = 8;
export const BODY_HEADER = 8 + 8 + 32;
export const INDEX_ENTRY = 16;

export function segmentName(base: number, ext: 'log' | 'idx'): string {
  return `${String(base).padStart(20, '0')}.${ext}`;
}

export function partitionDirName(partition: string): string {
  return encodeURIComponent(partition).replace(/\./g, '%2E');
}

export function partitionFromDirName(dir: string): string {
  return decodeURIComponent(dir);
}

export function frameLength(recordBytes: number): number {
  return FRAME_HEADER + BODY_HEADER + recordBytes;
}

/** Writes one frame into `buf` at `pos` (exactly frameLength bytes). Times and offsets are safe integers. */
export function writeFrame(
  buf: Buffer,
  pos: number,
  offset: number,
  timestampMs: number,
  eventId: string,
  bytes: Uint8Array,
): void {
  const bodyLen = BODY_HEADER + bytes.length;
  buf.writeUInt32BE(bodyLen, pos);
  const b = pos + FRAME_HEADER;
  buf.writeUInt32BE(Math.floor(offset / 2 ** 32), b);
  buf.writeUInt32BE(offset >>> 0, b + 4);
  buf.writeUInt32BE(Math.floor(timestampMs / 2 ** 32), b + 8);
  buf.writeUInt32BE(timestampMs >>> 0, b + 12);
  writeId(buf, b + 16, eventId);
  buf.set(bytes, b + BODY_HEADER);
  buf.writeUInt32BE(crc32(buf.subarray(b, b + bodyLen)), pos + 4);
}

/** Hex digit values by char code (-1: not a hex digit). */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = HEX_VALUE[65 + i] = 10 + i;

/** The 32-byte id from its hex, in JS (a native Buffer.write per frame cost more than the loop). */
function writeId(buf: Buffer, at: number, eventId: string): void {
  for (let i = 0; i < 32; i++) {
    const hi = HEX_VALUE[eventId.charCodeAt(2 * i)] ?? -1;
    const lo = HEX_VALUE[eventId.charCodeAt(2 * i + 1)] ?? -1;
    if ((hi | lo) < 0) {
      buf.write(eventId, at, 32, 'hex'); // not a 64-hex id: exactly what Buffer.write made of it before
      return;
    }
    buf[at + i] = (hi << 4) | lo;
  }
}

export function encodeFrame(offset: number, timestampMs: number, eventId: string, bytes: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(frameLength(bytes.length));
  writeFrame(buf, 0, offset, timestampMs, eventId, bytes);
  return buf;
}

export interface DecodedFrame {
  readonly offset: number;
  readonly timestampMs: number;
  readonly eventId: string;
  readonly bytes: Uint8Array;
  /** Total frame length in the file. */
  readonly length: number;
}

/** The frame at `pos` of `buf`, or null when it is incomplete or corrupt (a torn tail). */
export function decodeFrame(buf: Buffer, pos: number): DecodedFrame | null {
  if (pos + FRAME_HEADER > buf.length) return null;
  const bodyLen = buf.readUInt32BE(pos);
  if (bodyLen < BODY_HEADER || pos + FRAME_HEADER + bodyLen > buf.length) return null;
  const body = buf.subarray(pos + FRAME_HEADER, pos + FRAME_HEADER + bodyLen);
  if (crc32(body) !== buf.readUInt32BE(pos + 4)) return null;
  return {
    offset: Number(body.readBigUInt64BE(0)),
    timestampMs: Number(body.readBigUInt64BE(8)),
    eventId: body.toString('hex', 16, 48),
    bytes: body.subarray(BODY_HEADER),
    length: FRAME_HEADER + bodyLen,
  };
}

export function encodeIndexEntry(rel: number, position: number, maxTimestampMs: number): Buffer {
  const b = Buffer.allocUnsafe(INDEX_ENTRY);
  b.writeUInt32BE(rel, 0);
  b.writeUInt32BE(position, 4);
  b.writeBigUInt64BE(BigInt(maxTimestampMs), 8);
  return b;
}

export interface IndexEntry {
  readonly rel: number;
  readonly position: number;
  readonly maxTimestampMs: number;
}

export function decodeIndex(buf: Buffer): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (let p = 0; p + INDEX_ENTRY <= buf.length; p += INDEX_ENTRY) {
    out.push({
      rel: buf.readUInt32BE(p),
      position: buf.readUInt32BE(p + 4),
      maxTimestampMs: Number(buf.readBigUInt64BE(p + 8)),
    });
  }
  return out;
}
