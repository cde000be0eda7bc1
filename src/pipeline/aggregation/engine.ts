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
import { addEvent, cloneAgg, compareEvents, emptyAgg, featuresOf, mergeInto, prependInto } from './agg.js';
import type { FeatureSchema } from './schema.js';
import { FEATURE_SCHEMA } from './schema.js';
import type { FeatureVector, WindowKind } from './vector.js';
import { sealVector } from './vector.js';
import type { TickWindow, WindowSettings } from './windows.js';
import { checkSettings, epochOf, tickOf, windowKeyOf } from './windows.js';

export type LatePolicy = 'drop' | 'correction';

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

interface OpenTick {
  readonly w: TickWindow;
  /** Every event, for a re-fold in order when one arrived out of order. */
  readonly events: AggEvent[];
  /** Folded on arrival while arrivals are in (event_time_ms, event_id) order (the common case). */
  readonly agg: Agg;
  last: AggEvent | undefined;
  inOrder: boolean;
}

interface ClosedTick {
  readonly w: TickWindow;
  readonly agg: Agg;
  readonly partial: boolean;
}

interface MarketState {
  readonly marketId: string;
  readonly s: MarketSettings;
  readonly maxRollingMs: number;
  watermarkMs: number;
  /** Too-late drops since this market's last emit: reported in the next vector's coverage. */
  lateSinceEmit: number;
  futureFlags: number;
  readonly open: Map<number, OpenTick>;
  /** The earliest end + lateness of an open tick: below it a watermark advance closes nothing. */
  nextCloseMs: number;
  /** Closed ticks in start order, pruned once no rolling or epoch window needs them. */
  closed: ClosedTick[];
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
        maxRollingMs: Math.max(0, ...s.rollingWindowsMs),
        watermarkMs: Number.MIN_SAFE_INTEGER,
        lateSinceEmit: 0,
        futureFlags: 0,
        open: new Map(),
        nextCloseMs: Number.MAX_SAFE_INTEGER,
        closed: [],
        lastEpochEmitted: Number.MIN_SAFE_INTEGER,
      };
      this.markets.set(marketId, m);
    }
    return m;
  }

  /** Adds an event; returns the vectors its watermark advance closed. */
  add(e: AggEvent): FeatureVector[] {
    const m = this.state(e.marketId);
    if (e.eventTimeMs > e.ingestTimeMs + m.s.maxSkewMs) {
      this.stats.futureRefused += 1;
      m.futureFlags |= QUALITY_FLAGS.FUTURE_EVENT_TIME;
      return [];
    }
    if (e.eventTimeMs < m.watermarkMs - m.s.allowedLatenessMs) {
      if (this.o.latePolicy === 'correction') {
        this.corrections.push(e);
        this.stats.corrected += 1;
      } else {
        this.stats.lateDropped += 1;
      }
      m.lateSinceEmit += 1;
      return [];
    }
    const t = tickOf(m.s, e.eventTimeMs);
    let w = m.open.get(t.startMs);
    if (w === undefined) {
      w = { w: t, events: [], agg: emptyAgg(), last: undefined, inOrder: true };
      m.open.set(t.startMs, w);
      m.nextCloseMs = Math.min(m.nextCloseMs, t.endMs + m.s.allowedLatenessMs);
    }
    w.events.push(e);
    if (w.inOrder) {
      const c = w.last === undefined ? -1 : compareEvents(w.last, e);
      if (c < 0) addEvent(w.agg, e, m.s.maxStalenessMs);
      // An equal id is an at-least-once repeat: it counts once, and order is kept.
      if (c > 0) w.inOrder = false;
      else w.last = e;
    }
    if (e.eventTimeMs <= m.watermarkMs) return [];
    m.watermarkMs = e.eventTimeMs;
    return m.watermarkMs >= m.nextCloseMs ? this.close(m, false) : [];
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
    for (const m of this.markets.values()) n += m.open.size + m.closed.length;
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
      const agg = w.inOrder ? w.agg : this.refold(w.events, m.s.maxStalenessMs);
      // Epochs that ended before this tick are complete: emit them first (time order).
      out.push(...this.closeEpochs(m, force, w.w.epochId));
      const closed: ClosedTick = { w: w.w, agg, partial };
      m.closed.push(closed);
      out.push(this.vector(m, 'tick', w.w.epochId, w.w.tickIndex, w.w.startMs, w.w.endMs, [closed]));
      out.push(...this.rolling(m, closed));
    }
    out.push(...this.closeEpochs(m, force));
    this.prune(m);
    m.nextCloseMs = Number.MAX_SAFE_INTEGER;
    for (const w of m.open.values())
      m.nextCloseMs = Math.min(m.nextCloseMs, w.w.endMs + m.s.allowedLatenessMs);
    return out;
  }

  /**
   * Rolling windows ending at `tick`'s end, smallest first: one copy of the newest tick grows
   * backwards (prependInto) through the held ticks, so all sizes together cost one pass.
   */
  private rolling(m: MarketState, tick: ClosedTick): FeatureVector[] {
    const out: FeatureVector[] = [];
    if (m.s.rollingWindowsMs.length === 0) return out;
    const sizes = [...m.s.rollingWindowsMs].sort((a, b) => a - b);
    const acc = cloneAgg(tick.agg);
    let partial = tick.partial;
    let i = m.closed.length - 2; // m.closed ends with `tick`
    for (const r of sizes) {
      const start = tick.w.endMs - r;
      for (; i >= 0; i--) {
        const c = m.closed[i];
        if (c === undefined || c.w.startMs < start) break;
        prependInto(acc, c.agg);
        partial ||= c.partial;
      }
      out.push(this.seal(m, 'rolling', tick.w.epochId, tick.w.tickIndex, start, tick.w.endMs, acc, partial));
    }
    // Emitted in configuration order.
    return m.s.rollingWindowsMs.map((r) => out[sizes.indexOf(r)] as FeatureVector);
  }

  /** Folds a tick's events in (event_time_ms, event_id) order; a repeated event id counts once. */
  private refold(events: AggEvent[], maxStalenessMs: number): Agg {
    const agg = emptyAgg();
    events.sort(compareEvents);
    let prev: string | undefined;
    for (const e of events) {
      if (e.eventId === prev) continue;
      prev = e.eventId;
      addEvent(agg, e, maxStalenessMs);
    }
    return agg;
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
    const last = m.closed[m.closed.length - 1];
    if (last === undefined) return;
    const keepFrom = last.w.endMs - m.maxRollingMs;
    m.closed = m.closed.filter((c) => c.w.startMs >= keepFrom || c.w.epochId > m.lastEpochEmitted);
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
