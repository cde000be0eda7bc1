/**
 * The window engine, per market: monotonic event-time watermark, allowed lateness, the too-late
 * policy, and FeatureVectors for tick windows (emitted once the watermark passes end + lateness),
 * rolling windows ending at each emitted tick's end, and epoch windows. Events are kept per open
 * tick and folded in (event_time_ms, event_id) order at emit, so any arrival order within
 * lateness gives byte-identical vectors. Closed ticks are kept as accumulators only as long as
 * a rolling or epoch window still needs them, so memory is bounded by the open windows.
 */
import { QUALITY_FLAGS } from '../envelope/index.js';
import type { Agg, AggEvent } from './agg.js';
import { addEvent, compareEvents, emptyAgg, featuresOf, mergeInto } from './agg.js';
import { SlidingAgg } from './sliding.js';
import type { FeatureSchema } from './schema.js';
import { FEATURE_SCHEMA } from './schema.js';
import type { FeatureVector, WindowKind } from './vector.js';
import { sealVector } from './vector.js';
import type { TickWindow, WindowSettings } from './windows.js';
import { checkSettings, epochOf, tickOf, windowKeyOf } from './windows.js';

export type LatePolicy = 'drop' | 'correction';

/** What add() returns when nothing closed: no allocation per event on the hot path. */
const NONE: readonly FeatureVector[] = Object.freeze([]);

/** Everything the engine needs to know about one market (from the aggregation registry config). */
export interface MarketSettings extends WindowSettings {
  /** Rolling window sizes; each a multiple of the cadence and larger than it. */
  readonly rollingWindowsMs: readonly number[];
  readonly sourcesExpected: number;
  /** An input older than this at ingest counts as stale in coverage. */
  readonly maxStalenessMs: number;
  /** An input whose event time runs ahead of its ingest time by more is refused (it would drag the watermark). */
  readonly maxSkewMs: number;
}

export interface EngineOptions {
  readonly settingsFor: (marketId: string) => MarketSettings;
  readonly latePolicy: LatePolicy;
  readonly schema?: FeatureSchema;
}

export interface EngineStats {
  lateDropped: number;
  corrected: number;
  futureRefused: number;
  emitted: number;
}

/**
 * An open tick: `agg` holds the fold of every event older than watermark − lateness (no later
 * arrival can precede those), `buf` the newer ones, which an arrival may still come before.
 * Only `buf` is kept, so memory is bounded by the lateness, not by the tick length.
 */
interface OpenTick {
  readonly w: TickWindow;
  readonly agg: Agg;
  buf: AggEvent[];
  head: number;
  sorted: boolean;
  lastFolded: string | undefined;
}

interface ClosedTick {
  readonly w: TickWindow;
  readonly agg: Agg;
  readonly partial: boolean;
}

interface MarketState {
  readonly marketId: string;
  readonly s: MarketSettings;
  watermarkMs: number;
  /** Too-late drops since this market's last emit: reported in the next vector's coverage. */
  lateSinceEmit: number;
  futureFlags: number;
  readonly open: Map<number, OpenTick>;
  /** The earliest end + lateness of an open tick: below it a watermark advance closes nothing. */
  nextCloseMs: number;
  /** Closed ticks in start order, pruned once their epoch window is emitted. */
  closed: ClosedTick[];
  /** One sliding aggregator per rolling size, in configuration order. */
  readonly rolling: SlidingAgg[];
  lastEpochEmitted: number;
}

export function checkMarketSettings(s: MarketSettings): void {
  checkSettings(s);
  for (const r of s.rollingWindowsMs) {
    // A rolling window equal to the cadence would be the tick window itself (same key).
    if (!Number.isSafeInteger(r) || r <= s.publishCadenceMs || r % s.publishCadenceMs !== 0)
      throw new Error(`rolling window ${r} ms must be a multiple of publish_cadence_ms larger than it`);
  }
}

export class WindowEngine {
  private readonly markets = new Map<string, MarketState>();
  private readonly schema: FeatureSchema;
  /** Too-late events under the correction policy, for the caller to route (takeCorrections). */
  private corrections: AggEvent[] = [];
  readonly stats: EngineStats = { lateDropped: 0, corrected: 0, futureRefused: 0, emitted: 0 };

  constructor(private readonly o: EngineOptions) {
    this.schema = o.schema ?? FEATURE_SCHEMA;
  }

  private state(marketId: string): MarketState {
    let m = this.markets.get(marketId);
    if (m === undefined) {
      const s = this.o.settingsFor(marketId);
      checkMarketSettings(s);
      m = {
        marketId,
        s,
        watermarkMs: Number.MIN_SAFE_INTEGER,
        lateSinceEmit: 0,
        futureFlags: 0,
        open: new Map(),
        nextCloseMs: Number.MAX_SAFE_INTEGER,
        closed: [],
        rolling: s.rollingWindowsMs.map(() => new SlidingAgg()),
        lastEpochEmitted: Number.MIN_SAFE_INTEGER,
      };
      this.markets.set(marketId, m);
    }
    return m;
  }

  /** Adds an event; returns the vectors its watermark advance closed (usually none: a shared empty array). */
  add(e: AggEvent): readonly FeatureVector[] {
    const m = this.state(e.marketId);
    if (e.eventTimeMs > e.ingestTimeMs + m.s.maxSkewMs) {
      this.stats.futureRefused += 1;
      m.futureFlags |= QUALITY_FLAGS.FUTURE_EVENT_TIME;
      return NONE;
    }
    if (e.eventTimeMs < m.watermarkMs - m.s.allowedLatenessMs) {
      if (this.o.latePolicy === 'correction') {
        this.corrections.push(e);
        this.stats.corrected += 1;
      } else {
        this.stats.lateDropped += 1;
      }
      m.lateSinceEmit += 1;
      return NONE;
    }
    // Ticks tile epochs exactly, so the tick start is one floor away; objects only for a new tick.
    const c = m.s.publishCadenceMs;
    const start = m.s.originMs + Math.floor((e.eventTimeMs - m.s.originMs) / c) * c;
    let w = m.open.get(start);
    if (w === undefined) {
      const t = tickOf(m.s, e.eventTimeMs);
      w = { w: t, agg: emptyAgg(), buf: [], head: 0, sorted: true, lastFolded: undefined };
      m.open.set(t.startMs, w);
      m.nextCloseMs = Math.min(m.nextCloseMs, t.endMs + m.s.allowedLatenessMs);
    }
    const tail = w.buf[w.buf.length - 1];
    if (w.sorted && tail !== undefined && compareEvents(tail, e) > 0) w.sorted = false;
    w.buf.push(e);
    if (e.eventTimeMs <= m.watermarkMs) return NONE;
    m.watermarkMs = e.eventTimeMs;
    if (m.watermarkMs >= m.nextCloseMs) return this.close(m, false);
    // Older open ticks settle at close; their buffers hold at most the lateness' worth of events.
    this.settle(w, m.watermarkMs - m.s.allowedLatenessMs, m.s.maxStalenessMs);
    return NONE;
  }

  /** Early emit of everything open (end of input, shutdown): flagged PARTIAL_COVERAGE, revision 0. */
  flush(): FeatureVector[] {
    const out: FeatureVector[] = [];
    for (const m of this.markets.values()) out.push(...this.close(m, true));
    return out;
  }

  /** Too-late events held for the correction path since the last call. */
  takeCorrections(): AggEvent[] {
    const c = this.corrections;
    this.corrections = [];
    return c;
  }

  openWindowCount(): number {
    let n = 0;
    for (const m of this.markets.values()) {
      n += m.open.size + m.closed.length;
      for (const r of m.rolling) n += r.size;
    }
    return n;
  }

  watermarkOf(marketId: string): number | undefined {
    return this.markets.get(marketId)?.watermarkMs;
  }

  private close(m: MarketState, force: boolean): FeatureVector[] {
    const ready: OpenTick[] = [];
    for (const w of m.open.values()) {
      if (force || m.watermarkMs >= w.w.endMs + m.s.allowedLatenessMs) ready.push(w);
    }
    if (ready.length === 0) return force ? this.closeEpochs(m, true) : [];
    ready.sort((a, b) => a.w.startMs - b.w.startMs);
    const out: FeatureVector[] = [];
    for (const w of ready) {
      m.open.delete(w.w.startMs);
      const partial = m.watermarkMs < w.w.endMs + m.s.allowedLatenessMs;
      this.settle(w, Number.MAX_SAFE_INTEGER, m.s.maxStalenessMs);
      const agg = w.agg;
      // Epochs that ended before this tick are complete: emit them first (time order).
      out.push(...this.closeEpochs(m, force, w.w.epochId));
      const closed: ClosedTick = { w: w.w, agg, partial };
      m.closed.push(closed);
      out.push(this.vector(m, 'tick', w.w.epochId, w.w.tickIndex, w.w.startMs, w.w.endMs, [closed]));
      out.push(...this.rollingVectors(m, closed));
    }
    out.push(...this.closeEpochs(m, force));
    this.prune(m);
    m.nextCloseMs = Number.MAX_SAFE_INTEGER;
    for (const w of m.open.values())
      m.nextCloseMs = Math.min(m.nextCloseMs, w.w.endMs + m.s.allowedLatenessMs);
    return out;
  }

  /** Rolling windows ending at `tick`'s end, in configuration order (see sliding.ts). */
  private rollingVectors(m: MarketState, tick: ClosedTick): FeatureVector[] {
    return m.s.rollingWindowsMs.map((r, i) => {
      const sw = m.rolling[i] as SlidingAgg;
      const start = tick.w.endMs - r;
      sw.push({ startMs: tick.w.startMs, agg: tick.agg, partial: tick.partial });
      sw.evictBefore(start);
      const q = sw.query();
      return this.seal(m, 'rolling', tick.w.epochId, tick.w.tickIndex, start, tick.w.endMs, q.agg, q.partial);
    });
  }

  /** Folds, in (event_time_ms, event_id) order, every buffered event older than `beforeMs`; a repeated id counts once. */
  private settle(w: OpenTick, beforeMs: number, maxStalenessMs: number): void {
    if (w.head >= w.buf.length || (w.buf[w.head]?.eventTimeMs ?? beforeMs) >= beforeMs) return;
    if (!w.sorted) {
      w.buf = w.buf.slice(w.head).sort(compareEvents);
      w.head = 0;
      w.sorted = true;
    }
    while (w.head < w.buf.length) {
      const e = w.buf[w.head] as AggEvent;
      if (e.eventTimeMs >= beforeMs) break;
      w.head += 1;
      if (e.eventId === w.lastFolded) continue;
      w.lastFolded = e.eventId;
      addEvent(w.agg, e, maxStalenessMs);
    }
    // Drop the folded head now and then, so the buffer holds only the unsettled events.
    if (w.head > 32 && w.head * 2 > w.buf.length) {
      w.buf = w.buf.slice(w.head);
      w.head = 0;
    }
  }

  /**
   * Emits held epochs in order: with `before`, each epoch before that one (a later epoch's tick
   * is closing, so they are complete); otherwise each one the watermark passed end + lateness
   * (or, forced, every one held, flagged partial when incomplete).
   */
  private closeEpochs(m: MarketState, force: boolean, before?: number): FeatureVector[] {
    const out: FeatureVector[] = [];
    const epochs = [...new Set(m.closed.map((c) => c.w.epochId))].filter((id) => id > m.lastEpochEmitted);
    for (const id of epochs) {
      const ep = epochOf(m.s, m.s.originMs + id * m.s.epochWindowMs);
      const complete = m.watermarkMs >= ep.endMs + m.s.allowedLatenessMs;
      if (!(before !== undefined ? id < before : complete || force)) continue;
      const ticks = m.closed.filter((c) => c.w.epochId === id);
      out.push(this.vector(m, 'epoch', id, -1, ep.startMs, ep.endMs, ticks, !complete));
      m.lastEpochEmitted = id;
    }
    return out;
  }

  private prune(m: MarketState): void {
    if ((m.closed[0]?.w.epochId ?? Infinity) <= m.lastEpochEmitted)
      m.closed = m.closed.filter((c) => c.w.epochId > m.lastEpochEmitted);
  }

  private vector(
    m: MarketState,
    kind: WindowKind,
    epochId: number,
    tickIndex: number,
    startMs: number,
    endMs: number,
    ticks: readonly ClosedTick[],
    partialEpoch = false,
  ): FeatureVector {
    const agg = emptyAgg();
    let partial = partialEpoch;
    for (const t of ticks) {
      mergeInto(agg, t.agg);
      partial ||= t.partial;
    }
    return this.seal(m, kind, epochId, tickIndex, startMs, endMs, agg, partial);
  }

  private seal(
    m: MarketState,
    kind: WindowKind,
    epochId: number,
    tickIndex: number,
    startMs: number,
    endMs: number,
    agg: Agg,
    partial: boolean,
  ): FeatureVector {
    let flags = agg.flags | m.futureFlags;
    if (partial || agg.sources.size < m.s.sourcesExpected) flags |= QUALITY_FLAGS.PARTIAL_COVERAGE;
    const late = m.lateSinceEmit;
    m.lateSinceEmit = 0;
    m.futureFlags = 0;
    this.stats.emitted += 1;
    const marketId = m.marketId;
    return sealVector(this.schema, {
      kind,
      marketId,
      epochId,
      tickIndex,
      startMs,
      endMs,
      windowKey: windowKeyOf({
        marketId,
        epochId,
        tickIndex,
        startMs,
        endMs,
        featureSchemaVersion: this.schema.version,
      }),
      schemaVersion: this.schema.version,
      revision: partial ? 0 : 1,
      qualityFlags: flags,
      coverage: {
        sourcesExpected: m.s.sourcesExpected,
        sourcesSeen: agg.sources.size,
        eventsSeen: agg.events,
        lateEventsDropped: late,
        staleEventsSeen: agg.stale,
      },
      features: featuresOf(agg, endMs),
    });
  }
}
