/**
 * Identical frame text, parsed once. An influencer's primary and secondary listeners are on
 * two sockets, and the exchange (and the simulator) sends both the same bytes for the same
 * user: the same `userFills` frame, the same position push. Parsing and validating the second
 * copy gives an answer already known, and JSON.parse was the largest single item on the main
 * thread (11 % at 2 000 signals/s). The connections of one process share one memo: the first
 * copy is parsed and remembered, the second is looked up by its text.
 *
 * What makes this safe:
 * - only accepted frames are remembered, so every bad frame is still parsed, judged and
 *   dead-lettered on the socket that carried it;
 * - the key is the whole text (a Map compares it in full on a hash match), so a copy that
 *   differs in one byte is parsed on its own;
 * - only channels whose readers treat a frame as read-only, and the frame is frozen before it
 *   is shared: a reader that tried to change it would throw, not corrupt the other copy;
 * - the memo is small: a frame is held until its other copy arrives, and at most the last
 *   FRAME_MEMO_ENTRIES frames wait (first in, first out). A copy that arrives later is parsed again.
 */
import { FifoMap } from '../core/index.js';
import type { Channel } from './schemas/ws.js';
import type { ParsedFrame } from './parsed-frame.js';

/** The channels both listeners of an influencer receive whole, whose readers only read. */
const SHARED_CHANNELS: ReadonlySet<Channel> = new Set<Channel>([
  'userFills',
  'clearinghouseState',
  'allDexsClearinghouseState',
]);

/** Frames whose other copy has not arrived yet: ~100 ms at full load; a copy later than that is parsed again. */
export const FRAME_MEMO_ENTRIES = 256;
/**
 * Longer texts (snapshots) are parsed every time: they are rare, and V8 hashes a string longer
 * than this by its length alone, so long same-length keys would share a hash bucket.
 */
export const FRAME_MEMO_MAX_CHARS = 16_383;

export interface FrameMemoOptions {
  readonly maxEntries?: number;
  readonly maxChars?: number;
}

export interface FrameMemoStats {
  readonly hits: number;
  readonly misses: number;
  readonly entries: number;
}

/** A parsed JSON tree: plain arrays and objects only (indexes and for-in: no per-node arrays). */
function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  Object.freeze(value);
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) deepFreeze(value[i]);
  else for (const k in value) deepFreeze((value as Record<string, unknown>)[k]);
}

export class FrameMemo {
  private readonly maxEntries: number;
  private readonly maxChars: number;
  // Evicts oldest-first on every frame while one listener is down: a plain Map's oldest is
  // O(holes) to find (core/fifo-map.ts).
  private readonly frames = new FifoMap<string, ParsedFrame>();
  private hits = 0;
  private misses = 0;

  constructor(options: FrameMemoOptions = {}) {
    this.maxEntries = options.maxEntries ?? FRAME_MEMO_ENTRIES;
    this.maxChars = options.maxChars ?? FRAME_MEMO_MAX_CHARS;
  }

  /**
   * The frame this exact text was parsed to, if it is still remembered. A hit is forgotten: the
   * other copy has arrived, and a frame held no longer than that dies young, where the garbage
   * collector is cheapest (held until evicted, the memo cost a fifth more scavenge time).
   */
  get(text: string): ParsedFrame | undefined {
    if (text.length > this.maxChars) return undefined;
    const hit = this.frames.get(text);
    if (hit === undefined) this.misses++;
    else {
      this.hits++;
      this.frames.delete(text);
    }
    return hit;
  }

  /** Remembers an accepted frame of a shared channel (frozen from here on); others are ignored. */
  remember(text: string, parsed: ParsedFrame): void {
    if (text.length > this.maxChars || !SHARED_CHANNELS.has(parsed.channel)) return;
    deepFreeze(parsed);
    this.frames.set(text, parsed);
    if (this.frames.size > this.maxEntries) this.frames.shift();
  }

  stats(): FrameMemoStats {
    return { hits: this.hits, misses: this.misses, entries: this.frames.size };
  }
}
