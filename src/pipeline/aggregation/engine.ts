/**
 * Per-market tick-window engine: monotonic watermark, allowed lateness, too-late policy, and
 * OHLC / volume / count / VWAP bars emitted once the watermark passes end + lateness. Events
 * are kept per open window and folded in (event_time_ms, event_id) order at emit, so any
 * arrival order within lateness gives identical bars and hashes.
 */
import { createHash } from 'node:crypto';
import type { WindowSettings } from './windows.js';
import { checkSettings, tickOf, windowKeyOf } from './windows.js';

export interface TradeInput {
  readonly marketId: string;
  readonly eventId: string;
  readonly eventTimeMs: number;
  /** Fixed-point price (scale shared by the market). */
  readonly price: bigint;
  /** Fixed-point size. */
  readonly size: bigint;
}

export type LatePolicy = 'drop' | 'correction';

export interface Bar {
  readonly windowKey: string;
  readonly marketId: string;
  readonly epochId: number;
  readonly tickIndex: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly open: bigint;
  readonly high: bigint;
  readonly low: bigint;
  readonly close: bigint;
  readonly volume: bigint;
  readonly count: number;
  /** Σ(price·size) / Σ size, truncated toward zero (exact bigint; 0 when volume is 0). */
  readonly vwap: bigint;
  readonly partialCoverage: boolean;
  readonly lateEventsDropped: number;
  readonly featuresHash: string;
}

interface OpenWindow {
  readonly epochId: number;
  readonly tickIndex: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly events: TradeInput[];
}

interface MarketState {
  watermarkMs: number;
  lateDropped: number;
  readonly open: Map<number, OpenWindow>;
}

export const FEATURE_SCHEMA_VERSION = 1;

function cmp(a: TradeInput, b: TradeInput): number {
  if (a.eventTimeMs !== b.eventTimeMs) return a.eventTimeMs - b.eventTimeMs;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** Canonical feature bytes: each value as a signed decimal string framed u32 BE length + bytes. */
function featuresHash(values: readonly (bigint | number)[]): string {
  const h = createHash('sha256');
  for (const v of values) {
    const b = Buffer.from(v.toString(), 'utf8');
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(b.length);
    h.update(len).update(b);
  }
  return h.digest('hex');
}

export class WindowEngine {
  private readonly markets = new Map<string, MarketState>();
  readonly corrections: TradeInput[] = [];

  constructor(
    private readonly settings: WindowSettings,
    private readonly latePolicy: LatePolicy,
  ) {
    checkSettings(settings);
  }

  private state(marketId: string): MarketState {
    let s = this.markets.get(marketId);
    if (!s) {
      s = { watermarkMs: Number.MIN_SAFE_INTEGER, lateDropped: 0, open: new Map() };
      this.markets.set(marketId, s);
    }
    return s;
  }

  /** Adds an event; returns the bars closed by the watermark advance it caused. */
  add(e: TradeInput): Bar[] {
    const s = this.state(e.marketId);
    if (e.eventTimeMs < s.watermarkMs - this.settings.allowedLatenessMs) {
      if (this.latePolicy === 'correction') this.corrections.push(e);
      else s.lateDropped += 1;
      return [];
    }
    const t = tickOf(this.settings, e.eventTimeMs);
    let w = s.open.get(t.startMs);
    if (!w) {
      w = { ...t, events: [] };
      s.open.set(t.startMs, w);
    }
    w.events.push(e);
    if (e.eventTimeMs > s.watermarkMs) s.watermarkMs = e.eventTimeMs;
    return this.closeReady(e.marketId, s, false);
  }

  /** Emits every open window now; ones the watermark has not passed are flagged partial. */
  flush(): Bar[] {
    const out: Bar[] = [];
    for (const [m, s] of this.markets) out.push(...this.closeReady(m, s, true));
    return out;
  }

  openWindowCount(): number {
    let n = 0;
    for (const s of this.markets.values()) n += s.open.size;
    return n;
  }

  private closeReady(marketId: string, s: MarketState, force: boolean): Bar[] {
    const out: Bar[] = [];
    for (const [start, w] of s.open) {
      const complete = s.watermarkMs >= w.endMs + this.settings.allowedLatenessMs;
      if (!complete && !force) continue;
      s.open.delete(start);
      out.push(this.fold(marketId, w, !complete, s.lateDropped));
    }
    return out.sort((a, b) => a.startMs - b.startMs);
  }

  private fold(marketId: string, w: OpenWindow, partial: boolean, lateDropped: number): Bar {
    const ev = [...w.events].sort(cmp);
    const first = ev[0];
    const last = ev[ev.length - 1];
    // A window exists only once an event was added to it.
    if (first === undefined || last === undefined) throw new Error('empty window');
    let high = first.price;
    let low = first.price;
    let volume = 0n;
    let notional = 0n;
    for (const e of ev) {
      if (e.price > high) high = e.price;
      if (e.price < low) low = e.price;
      volume += e.size;
      notional += e.price * e.size;
    }
    const vwap = volume === 0n ? 0n : notional / volume;
    const close = last.price;
    const windowKey = windowKeyOf({
      marketId,
      epochId: w.epochId,
      tickIndex: w.tickIndex,
      startMs: w.startMs,
      endMs: w.endMs,
      featureSchemaVersion: FEATURE_SCHEMA_VERSION,
    });
    return {
      windowKey,
      marketId,
      epochId: w.epochId,
      tickIndex: w.tickIndex,
      startMs: w.startMs,
      endMs: w.endMs,
      open: first.price,
      high,
      low,
      close,
      volume,
      count: ev.length,
      vwap,
      partialCoverage: partial,
      lateEventsDropped: lateDropped,
      featuresHash: featuresHash([first.price, high, low, close, volume, ev.length, vwap]),
    };
  }
}
