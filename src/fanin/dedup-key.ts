/**
 * Dedup identity, pure. The identity of a fill is its `eventId` (core/event-id.ts: sha256 of
 * `user|coin|tid|side`, same whichever listener, feed, snapshot or backfill delivered it), so
 * the fan-in never re-derives it. For the in-memory store we keep only the first 64 bits of
 * that digest as two uint32 words: 8 bytes instead of a ~100-byte JS string per key. The
 * chance that two distinct live ids share 64 bits is n/2^64 per lookup (5e-14 at 1M keys);
 * the Redis layer, when present, keys on the full id.
 */
import { createHash } from 'node:crypto';
import type { FillEvent } from '../core/index.js';

export function dedupKey(e: Pick<FillEvent, 'eventId'>): string {
  return e.eventId;
}

export interface CompactKey {
  readonly hi: number;
  readonly lo: number;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/** Parses 8 hex characters at `from`; -1 when one is not hex. */
export function word(s: string, from: number): number {
  let v = 0;
  for (let i = from; i < from + 8; i++) {
    const h = hexVal(s.charCodeAt(i));
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/**
 * 64-bit compact key of an event id. Ids that are not hex digests (only seen in tests or
 * from a foreign producer) are hashed with sha256 first, so the bits stay uniform.
 */
export function compactKey(id: string): CompactKey {
  if (id.length >= 16) {
    const hi = word(id, 0);
    const lo = hi < 0 ? -1 : word(id, 8);
    if (lo >= 0) return { hi, lo };
  }
  const d = createHash('sha256').update(id).digest();
  return { hi: d.readUInt32BE(0), lo: d.readUInt32BE(4) };
}
