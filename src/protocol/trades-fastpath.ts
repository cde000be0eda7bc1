/**
 * Fast path for the market-wide `trades` feed (docs/hyperliquid-protocol.md §13). Almost every trade on
 * the tape belongs to accounts nobody tracks, so we decide from the raw text whether a frame
 * can contain a tracked address BEFORE JSON.parse: scan every `0x` occurrence, look its first
 * 24 address bits up in a bitset (one array read for the ~99% misses) and only confirm hits
 * against the exact lower-case Set. Frames with a hit take the slow path: JSON.parse, and
 * schema validation of only the trades naming a tracked address.
 *
 * Correctness (never miss a tracked trade): the scan over-approximates. JSON can spell an
 * address with escapes (`\u0030x…`) or an upper-case `0X`, which the scan cannot see; any frame
 * containing a backslash or `0X` therefore takes the slow path. Malformed frames that contain
 * a tracked address are dead-lettered; the rest are dropped cheaply and counted. A trade row
 * naming a tracked address is judged by the shared FillGuard; a bad row is dead-lettered on
 * its own and the frame's good rows go on.
 */
import type { Clock, DeadLetter, EventSource, FillEvent } from '../core/index.js';
import { InternalError, systemClock } from '../core/index.js';
import { FillGuard } from './fill-guard.js';
import { FrameParser } from './frame-parser.js';
import { tradeToEvents } from './normalize.js';
import type { Trade } from './schemas/fill.js';

export interface MatchedTrade {
  readonly trade: Trade;
  /** Tracked addresses (lower-case) on this trade: one, or two for a trade between tracked accounts. */
  readonly tracked: readonly string[];
  /** The row as JSON, for the raw store (written by the guard, so a row that cannot be is refused). */
  readonly payload: string;
}

export type TradesResult =
  | { readonly kind: 'skipped' }
  | { readonly kind: 'matched'; readonly trades: readonly MatchedTrade[] }
  | { readonly kind: 'deadLetter'; readonly deadLetter: DeadLetter };

export interface TradesFastPathStats {
  readonly frames: number;
  /** Dropped before parsing: no tracked address in the text. */
  readonly skipped: number;
  /** Fully parsed because a tracked address (or an escape) occurred. */
  readonly parsed: number;
  readonly matchedTrades: number;
  readonly deadLetters: number;
}

export interface TradesFastPathOptions {
  readonly listenerId: string;
  readonly tracked?: Iterable<string>;
  readonly clock?: Clock;
  readonly onDeadLetter?: (dl: DeadLetter) => void;
  readonly maxDeadLetterPayload?: number;
  /** The boundary validator shared with userFills and REST backfill; default: one on `clock`. */
  readonly guard?: FillGuard;
}

const SKIPPED: TradesResult = Object.freeze({ kind: 'skipped' });
const PREFIX_BITS = 24;
/** Hex digit value by char code, 255 for non-hex; case-insensitive. */
const HEX = new Uint8Array(128).fill(255);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

function prefixOf(s: string, i: number): number {
  // 6 hex digits after "0x" at index i -> 24-bit value, or -1.
  let v = 0;
  for (let k = i + 2; k < i + 8; k++) {
    const c = s.charCodeAt(k);
    const h = c < 128 ? (HEX[c] ?? 255) : 255;
    if (h === 255) return -1;
    v = (v << 4) | h;
  }
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class TradesFastPath {
  private tracked = new Set<string>();
  private bits = new Uint8Array(1 << (PREFIX_BITS - 3));
  private readonly parser: FrameParser;
  private readonly guard: FillGuard;
  private frames = 0;
  private skipped = 0;
  private parsed = 0;
  private matchedTrades = 0;
  private deadLetters = 0;

  constructor(options: TradesFastPathOptions) {
    this.parser = new FrameParser({
      listenerId: options.listenerId,
      clock: options.clock ?? systemClock,
      ...(options.maxDeadLetterPayload !== undefined
        ? { maxPayloadChars: options.maxDeadLetterPayload }
        : {}),
      ...(options.onDeadLetter ? { onDeadLetter: options.onDeadLetter } : {}),
    });
    this.guard = options.guard ?? new FillGuard({ clock: options.clock ?? systemClock });
    if (options.tracked) this.setTracked(options.tracked);
  }

  /** Replace the tracked set (addresses in any case; stored lower-case). */
  setTracked(addresses: Iterable<string>): void {
    const set = new Set<string>();
    const bits = new Uint8Array(1 << (PREFIX_BITS - 3));
    for (const a of addresses) {
      const lower = a.toLowerCase();
      set.add(lower);
      const p = prefixOf(lower, 0);
      if (p >= 0) bits[p >>> 3] = (bits[p >>> 3] ?? 0) | (1 << (p & 7));
    }
    this.tracked = set;
    this.bits = bits;
  }

  trackedCount(): number {
    return this.tracked.size;
  }

  /** Cheap check for the connection's raw hook: a canonical `trades` frame. */
  static isTradesFrame(text: string): boolean {
    return text.startsWith('{"channel":"trades"');
  }

  /** True when the text may contain a tracked address (never false for one that does). */
  mayContainTracked(text: string): boolean {
    if (this.tracked.size === 0) return false;
    // Searches are for one character: V8 runs those as a native memchr, while a two-character
    // pattern like '0x' stops at every '0' of every price, size, time and tid (4x slower here).
    if (text.indexOf('\\') !== -1) return true;
    for (let j = text.indexOf('X'); j !== -1; j = text.indexOf('X', j + 1)) {
      if (text.charCodeAt(j - 1) === 48) return true; // "0X"
    }
    const bits = this.bits;
    for (let i = text.indexOf('x'); i !== -1; i = text.indexOf('x', i + 1)) {
      if (text.charCodeAt(i - 1) !== 48) continue; // an 'x' that is not part of "0x", e.g. "px"
      const p = prefixOf(text, i - 1);
      if (p >= 0 && ((bits[p >>> 3] ?? 0) & (1 << (p & 7))) !== 0) {
        if (this.tracked.has(text.slice(i - 1, i + 41).toLowerCase())) return true;
      }
    }
    return false;
  }

  /** The fast path: skip without parsing unless a tracked address can occur. */
  process(text: string): TradesResult {
    this.frames++;
    if (!this.mayContainTracked(text)) {
      this.skipped++;
      return SKIPPED;
    }
    return this.parseAndMatch(text);
  }

  /** The slow path (also the reference the property test compares against). */
  parseAndMatch(text: string): TradesResult {
    this.parsed++;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return this.dead(
        this.parser.reject('invalid_json', `not JSON: ${(e as Error).message}`, 'trades', text),
      );
    }
    if (!isRecord(json) || json['channel'] !== 'trades' || !Array.isArray(json['data'])) {
      return this.dead(
        this.parser.reject(
          'schema_mismatch',
          'trades: envelope: expected {channel:"trades", data:[...]}',
          'trades',
          text,
        ),
      );
    }
    const out: MatchedTrade[] = [];
    const data = json['data'] as unknown[];
    for (let i = 0; i < data.length; i++) {
      const row = data[i];
      const users = isRecord(row) ? row['users'] : undefined;
      if (!Array.isArray(users)) continue;
      const hits: string[] = [];
      for (const u of users) {
        if (typeof u === 'string') {
          const l = u.toLowerCase();
          if (this.tracked.has(l) && !hits.includes(l)) hits.push(l);
        }
      }
      if (hits.length === 0) continue;
      // A bad row is dead-lettered on its own (payload: that row); the frame's other rows go on.
      const r = this.guard.trade(row, `trades.data.${i}`);
      if (!r.ok) {
        this.deadLetters++;
        this.parser.reject(r.reason, r.detail, 'trades', r.payload);
        continue;
      }
      out.push({ trade: r.value, tracked: hits, payload: r.payload });
    }
    this.matchedTrades += out.length;
    return { kind: 'matched', trades: out };
  }

  private dead(r: ReturnType<FrameParser['reject']>): TradesResult {
    this.deadLetters++;
    if (r.kind !== 'deadLetter') throw new InternalError('FrameParser.reject returned a frame');
    return { kind: 'deadLetter', deadLetter: r.deadLetter };
  }

  /** Matched trades -> FillEvents (one per tracked side). */
  static toEvents(trades: readonly MatchedTrade[], source: EventSource): FillEvent[] {
    const out: FillEvent[] = [];
    for (const m of trades) for (const u of m.tracked) out.push(...tradeToEvents(m.trade, u, source));
    return out;
  }

  stats(): TradesFastPathStats {
    return {
      frames: this.frames,
      skipped: this.skipped,
      parsed: this.parsed,
      matchedTrades: this.matchedTrades,
      deadLetters: this.deadLetters,
    };
  }
}
