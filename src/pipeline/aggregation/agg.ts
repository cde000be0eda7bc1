/**
 * The per-window accumulator behind every feature. A tick window folds its events in
 * (event_time_ms, event_id) order; rolling and epoch windows merge tick accumulators in time
 * order (merge(a, b) with a entirely before b is associative), so a 1 h rolling window costs
 * a merge of its ticks, never a re-scan of events. All arithmetic is bigint or integer.
 */
import type { NormalizedEvent, PayloadType } from '../envelope/index.js';
import { decodePayload, QUALITY_FLAGS } from '../envelope/index.js';
import type { FeatureValues } from './schema.js';

/** What aggregation needs from one envelope; payloads decoded once. */
export interface AggEvent {
  readonly marketId: string;
  readonly eventId: string;
  readonly eventTimeMs: number;
  readonly ingestTimeMs: number;
  readonly sourceId: string;
  readonly payloadType: PayloadType;
  readonly qualityFlags: number;
  /** Trade price and size (TRADE_TICK_V1), scale 8. */
  readonly trade?: { readonly price: bigint; readonly size: bigint } | undefined;
  /** A reference price for divergence: trade px, book mid, mark, candle close. */
  readonly refPrice?: bigint | undefined;
  /** The reference price's stream, `source_id|payload_type` (built once here, not per fold). */
  readonly streamKey?: string | undefined;
  readonly signal?:
    | {
        readonly influencerId: string;
        readonly side: 'FLAT' | 'LONG' | 'SHORT';
        readonly deltaSize: bigint;
      }
    | undefined;
}

/**
 * Every AggEvent built with all fields in one order (absent ones undefined), so the engine's hot
 * path sees one object shape instead of going megamorphic over trade/signal/reference variants.
 */
export function makeAggEvent(
  base: Pick<
    AggEvent,
    'marketId' | 'eventId' | 'eventTimeMs' | 'ingestTimeMs' | 'sourceId' | 'payloadType' | 'qualityFlags'
  >,
  parts: Pick<AggEvent, 'trade' | 'refPrice' | 'streamKey' | 'signal'>,
): AggEvent {
  return {
    marketId: base.marketId,
    eventId: base.eventId,
    eventTimeMs: base.eventTimeMs,
    ingestTimeMs: base.ingestTimeMs,
    sourceId: base.sourceId,
    payloadType: base.payloadType,
    qualityFlags: base.qualityFlags,
    trade: parts.trade,
    refPrice: parts.refPrice,
    streamKey: parts.refPrice === undefined ? undefined : parts.streamKey,
    signal: parts.signal,
  };
}

export function aggEventOf(e: NormalizedEvent): AggEvent {
  const streamKey = `${e.sourceId}|${e.payloadType}`;
  switch (e.payloadType) {
    case 'TRADE_TICK_V1': {
      const p = decodePayload('TRADE_TICK_V1', e.payload);
      return makeAggEvent(e, { trade: { price: p.px, size: p.sz }, refPrice: p.px, streamKey });
    }
    case 'BOOK_TOP_V1': {
      const p = decodePayload('BOOK_TOP_V1', e.payload);
      // A one-sided book has no mid: it takes no part in divergence.
      const mid = p.bidPx > 0n && p.askPx > 0n ? (p.bidPx + p.askPx) / 2n : undefined;
      return makeAggEvent(e, { refPrice: mid, streamKey });
    }
    case 'ASSET_CTX_V1': {
      const p = decodePayload('ASSET_CTX_V1', e.payload);
      return makeAggEvent(e, { refPrice: p.markPx > 0n ? p.markPx : undefined, streamKey });
    }
    case 'CANDLE_V1': {
      const p = decodePayload('CANDLE_V1', e.payload);
      return makeAggEvent(e, { refPrice: p.final ? p.close : undefined, streamKey });
    }
    case 'INFLUENCER_SIGNAL_V1': {
      const p = decodePayload('INFLUENCER_SIGNAL_V1', e.payload);
      return makeAggEvent(e, {
        signal: { influencerId: p.influencerId, side: p.side, deltaSize: p.deltaSize },
      });
    }
    // Chain events carry no market price: they pass through aggregation without features.
    case 'INFLUENCER_FILL_V1':
    case 'EVM_BLOCK_V1':
    case 'EVM_LOG_V1':
    case 'EVM_BLOCK_INVALIDATED_V1':
      return makeAggEvent(e, {});
  }
}

/** (event_time_ms, event_id): the one order every non-commutative update follows. */
export function compareEvents(a: AggEvent, b: AggEvent): number {
  if (a.eventTimeMs !== b.eventTimeMs) return a.eventTimeMs - b.eventTimeMs;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

interface Trader {
  flow: bigint;
  side: 'FLAT' | 'LONG' | 'SHORT';
}

export interface Agg {
  events: number;
  trades: number;
  open: bigint | undefined;
  high: bigint | undefined;
  low: bigint | undefined;
  close: bigint | undefined;
  volume: bigint;
  /** Σ price·size at scale 16 (exact). */
  notional: bigint;
  /** Σ |Δp| / p_prev in bps × 100, each term truncated (in order, so deterministic); an integer. */
  absReturnSum: number;
  returns: number;
  /** Last reference price per (source, payload type) stream. */
  readonly streams: Map<string, bigint>;
  divergent: number;
  lastEventMs: number;
  latencyMax: number;
  latencySum: number;
  signals: number;
  netFlow: bigint;
  readonly traders: Map<string, Trader>;
  readonly sources: Set<string>;
  flags: number;
  stale: number;
  /** The last source added to `sources` (most runs come from one source: skips the Set). */
  lastSource: string | undefined;
}

export function emptyAgg(): Agg {
  return {
    events: 0,
    trades: 0,
    open: undefined,
    high: undefined,
    low: undefined,
    close: undefined,
    volume: 0n,
    notional: 0n,
    absReturnSum: 0,
    returns: 0,
    streams: new Map(),
    divergent: 0,
    lastEventMs: Number.MIN_SAFE_INTEGER,
    latencyMax: 0,
    latencySum: 0,
    signals: 0,
    netFlow: 0n,
    traders: new Map(),
    sources: new Set(),
    flags: 0,
    stale: 0,
    lastSource: undefined,
  };
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
/**
 * |b − a| / a in bps × 100, truncated. In doubles while every operand is a safe integer (then
 * floor(n / d) is exact, so no BigInt is allocated on the hot path), else in BigInt.
 */
function returnTerm(a: bigint, b: bigint): number {
  if (a <= 0n) return 0;
  const an = Number(a);
  const n = Math.abs(Number(b) - an) * 1_000_000;
  if (Number.isSafeInteger(an) && Number.isSafeInteger(Number(b)) && Number.isSafeInteger(n))
    return Math.floor(n / an);
  return Number((abs(b - a) * 1_000_000n) / a);
}

/** Folds one event; callers feed events in compareEvents order. */
export function addEvent(g: Agg, e: AggEvent, maxStalenessMs: number): void {
  g.events += 1;
  g.flags |= e.qualityFlags;
  if (e.sourceId !== g.lastSource) {
    g.sources.add(e.sourceId);
    g.lastSource = e.sourceId;
  }
  if (e.eventTimeMs > g.lastEventMs) g.lastEventMs = e.eventTimeMs;
  const lag = Math.max(0, e.ingestTimeMs - e.eventTimeMs);
  if (lag > g.latencyMax) g.latencyMax = lag;
  g.latencySum += lag;
  if ((e.qualityFlags & QUALITY_FLAGS.STALE_EVENT_TIME) !== 0 || lag > maxStalenessMs) g.stale += 1;
  if ((e.qualityFlags & QUALITY_FLAGS.SOURCE_DIVERGENCE) !== 0) g.divergent += 1;
  if (e.refPrice !== undefined && e.streamKey !== undefined) g.streams.set(e.streamKey, e.refPrice);
  const t = e.trade;
  if (t !== undefined) {
    if (g.close !== undefined) {
      g.absReturnSum += returnTerm(g.close, t.price);
      g.returns += 1;
    }
    g.open ??= t.price;
    if (g.high === undefined || t.price > g.high) g.high = t.price;
    if (g.low === undefined || t.price < g.low) g.low = t.price;
    g.close = t.price;
    g.trades += 1;
    g.volume += t.size;
    g.notional += t.price * t.size;
  }
  const s = e.signal;
  if (s !== undefined) {
    g.signals += 1;
    g.netFlow += s.deltaSize;
    const tr = g.traders.get(s.influencerId);
    if (tr === undefined) g.traders.set(s.influencerId, { flow: s.deltaSize, side: s.side });
    else {
      tr.flow += s.deltaSize;
      tr.side = s.side;
    }
  }
}

/** into ← into ⊕ later, where every event of `later` comes after every event of `into`. */
export function mergeInto(into: Agg, later: Agg): void {
  into.events += later.events;
  into.flags |= later.flags;
  for (const s of later.sources) into.sources.add(s);
  if (later.lastEventMs > into.lastEventMs) into.lastEventMs = later.lastEventMs;
  if (later.latencyMax > into.latencyMax) into.latencyMax = later.latencyMax;
  into.latencySum += later.latencySum;
  into.stale += later.stale;
  into.divergent += later.divergent;
  for (const [k, v] of later.streams) into.streams.set(k, v);
  if (later.trades > 0) {
    if (into.close !== undefined && later.open !== undefined) {
      into.absReturnSum += returnTerm(into.close, later.open);
      into.returns += 1;
    }
    into.absReturnSum += later.absReturnSum;
    into.returns += later.returns;
    into.open ??= later.open;
    if (into.high === undefined || (later.high !== undefined && later.high > into.high))
      into.high = later.high;
    if (into.low === undefined || (later.low !== undefined && later.low < into.low)) into.low = later.low;
    into.close = later.close;
    into.trades += later.trades;
    into.volume += later.volume;
    into.notional += later.notional;
  }
  into.signals += later.signals;
  into.netFlow += later.netFlow;
  for (const [id, t] of later.traders) {
    const tr = into.traders.get(id);
    if (tr === undefined) into.traders.set(id, { flow: t.flow, side: t.side });
    else {
      tr.flow += t.flow;
      tr.side = t.side;
    }
  }
}

/** A copy of `g` (rolling windows grow a copy backwards from their newest tick). */
export function cloneAgg(g: Agg): Agg {
  const c = emptyAgg();
  mergeInto(c, g);
  return c;
}

/** into ← earlier ⊕ into, where every event of `earlier` comes before every event of `into`. */
export function prependInto(into: Agg, earlier: Agg): void {
  into.events += earlier.events;
  into.flags |= earlier.flags;
  for (const s of earlier.sources) into.sources.add(s);
  if (earlier.lastEventMs > into.lastEventMs) into.lastEventMs = earlier.lastEventMs;
  if (earlier.latencyMax > into.latencyMax) into.latencyMax = earlier.latencyMax;
  into.latencySum += earlier.latencySum;
  into.stale += earlier.stale;
  into.divergent += earlier.divergent;
  // The later value of a stream wins: only streams `into` has not seen come from `earlier`.
  for (const [k, v] of earlier.streams) if (!into.streams.has(k)) into.streams.set(k, v);
  if (earlier.trades > 0) {
    if (earlier.close !== undefined && into.open !== undefined) {
      into.absReturnSum += returnTerm(earlier.close, into.open);
      into.returns += 1;
    }
    into.absReturnSum += earlier.absReturnSum;
    into.returns += earlier.returns;
    into.open = earlier.open;
    if (into.high === undefined || (earlier.high !== undefined && earlier.high > into.high))
      into.high = earlier.high;
    if (into.low === undefined || (earlier.low !== undefined && earlier.low < into.low))
      into.low = earlier.low;
    into.close ??= earlier.close;
    into.trades += earlier.trades;
    into.volume += earlier.volume;
    into.notional += earlier.notional;
  }
  into.signals += earlier.signals;
  into.netFlow += earlier.netFlow;
  for (const [id, t] of earlier.traders) {
    const tr = into.traders.get(id);
    if (tr === undefined) into.traders.set(id, { flow: t.flow, side: t.side });
    else tr.flow += t.flow; // the later side stands
  }
}

/** Half-even division of a non-negative numerator by a positive denominator. */
function divHalfEven(n: bigint, d: bigint): bigint {
  const neg = n < 0n;
  const a = neg ? -n : n;
  let q = a / d;
  const r2 = (a % d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) q += 1n;
  return neg ? -q : q;
}

const PX_UNIT = 100_000_000n;

/** The schema v1 feature values of an accumulator for a window ending at `endMs`. */
export function featuresOf(g: Agg, endMs: number): FeatureValues {
  const out: Record<string, bigint | number | string> = {
    trade_count: BigInt(g.trades),
    volume: g.volume,
    notional: divHalfEven(g.notional, PX_UNIT),
    divergent_events: BigInt(g.divergent),
    signal_count: BigInt(g.signals),
    influencer_net_flow: g.netFlow,
  };
  if (g.open !== undefined && g.high !== undefined && g.low !== undefined && g.close !== undefined) {
    out['open'] = g.open;
    out['high'] = g.high;
    out['low'] = g.low;
    out['close'] = g.close;
  }
  if (g.volume > 0n) out['vwap'] = g.notional / g.volume;
  if (g.returns > 0) out['volatility_bps'] = Math.min(0xffffffff, Math.floor(g.absReturnSum / g.returns));
  if (g.streams.size >= 2) {
    let min: bigint | undefined;
    let max: bigint | undefined;
    for (const p of g.streams.values()) {
      if (min === undefined || p < min) min = p;
      if (max === undefined || p > max) max = p;
    }
    if (min !== undefined && max !== undefined && min > 0n) {
      const bps = ((max - min) * 1_000_000n) / min;
      out['source_divergence_bps'] = Number(bps > 0xffffffffn ? 0xffffffffn : bps);
    }
  }
  if (g.events > 0) {
    out['freshness_ms'] = BigInt(Math.max(0, endMs - g.lastEventMs));
    out['latency_max_ms'] = BigInt(g.latencyMax);
    out['latency_mean_ms'] = BigInt(Math.floor(g.latencySum / g.events));
  }
  let long = 0;
  let short = 0;
  let mover: string | undefined;
  let moverFlow = 0n;
  for (const [id, t] of g.traders) {
    if (t.side === 'LONG') long += 1;
    else if (t.side === 'SHORT') short += 1;
    const a = abs(t.flow);
    const m = abs(moverFlow);
    if (mover === undefined || a > m || (a === m && id < mover)) {
      mover = id;
      moverFlow = t.flow;
    }
  }
  out['influencers_long'] = BigInt(long);
  out['influencers_short'] = BigInt(short);
  if (mover !== undefined) {
    out['largest_mover'] = mover;
    out['largest_mover_flow'] = moverFlow;
  }
  if (long + short > 0) out['consensus_ratio'] = Math.floor((long * 10_000) / (long + short));
  return out;
}
