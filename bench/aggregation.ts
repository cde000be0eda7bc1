/**
 * Aggregation bench (issue #16): events/s into windows on one core for 1 000 markets, each with
 * tick windows, 3 rolling sizes (5 m, 15 m, 1 h) and epoch windows, every vector sealed (features
 * hashed). Inputs are decoded AggEvents (envelope decoding is the pipeline-ingest bench's part).
 * Heap is measured after GC before the run and while windows are open, to show memory is bounded
 * by the open windows. Alone: `node --expose-gc --import tsx bench/aggregation.ts`.
 */
import { makeAggEvent, tickOf, WindowEngine } from '../src/pipeline/aggregation/index.js';
import type { AggEvent, MarketSettings } from '../src/pipeline/aggregation/index.js';

export interface AggregationBenchResult {
  readonly events: number;
  readonly markets: number;
  readonly rollingSizes: number;
  /** Wall clock, timed part only. */
  readonly eventsPerSec: number;
  /** Per CPU-second of this process (user + system), timed part only: robust on a shared machine. */
  readonly eventsPerCpuSec: number;
  /** Floor: the same loop doing only window alignment and a per-market map lookup. */
  readonly floorEventsPerSec: number;
  readonly vectors: number;
  readonly heapBeforeMb: number;
  readonly heapAfterMb: number;
  readonly heldWindows: number;
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const heapMb = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

export function runAggregationBench(n = 1_000_000, markets = 1_000): AggregationBenchResult {
  const settings: MarketSettings = {
    originMs: 0,
    epochWindowMs: 3_600_000,
    publishCadenceMs: 60_000,
    allowedLatenessMs: 5_000,
    rollingWindowsMs: [300_000, 900_000, 3_600_000],
    sourcesExpected: 1,
    maxStalenessMs: 60_000,
    maxSkewMs: 5_000,
  };
  const ids = Array.from({ length: markets }, (_, m) => `hl.perp.M${m}`);
  // Enough event time to cross several epochs: each market sees ~1 event per 2.5 s of event time.
  const stepMs = Math.max(1, Math.round((2_500 / markets) * 1_000) / 1_000);
  const make = (i: number): AggEvent => {
    const t = 1_764_806_400_000 + Math.floor(i * stepMs);
    const price = BigInt(100_000_000_000 + (i % 97) * 1_000_000);
    const base = {
      marketId: ids[i % markets] ?? 'x',
      eventId: i.toString(16).padStart(64, '0'),
      eventTimeMs: t,
      ingestTimeMs: t + (i % 40),
      sourceId: 'hyperliquid',
      qualityFlags: 0,
    };
    return i % 10 === 9
      ? makeAggEvent(
          { ...base, payloadType: 'INFLUENCER_SIGNAL_V1' },
          {
            signal: {
              influencerId: `w${i % 13}`,
              side: i % 20 === 9 ? 'LONG' : 'SHORT',
              deltaSize: BigInt((i % 7) - 3),
            },
          },
        )
      : makeAggEvent(
          { ...base, payloadType: 'TRADE_TICK_V1' },
          {
            trade: { price, size: BigInt(1 + (i % 5)) * 1_000_000n },
            refPrice: price,
            streamKey: 'hyperliquid|TRADE_TICK_V1',
          },
        );
  };
  const engine = new WindowEngine({ settingsFor: () => settings, latePolicy: 'drop' });
  const heapBeforeMb = heapMb();
  let vectors = 0;
  let ns = 0n;
  let cpuUs = 0;
  let floorNs = 0n;
  const seen = new Map<string, number>();
  // Inputs are made in chunks outside the timed part, so a million live inputs do not weigh on GC.
  const CHUNK = 50_000;
  for (let from = 0; from < n; from += CHUNK) {
    const events = Array.from({ length: Math.min(CHUNK, n - from) }, (_, k) => make(from + k));
    const f0 = process.hrtime.bigint();
    for (const e of events) seen.set(e.marketId, tickOf(settings, e.eventTimeMs).startMs);
    floorNs += process.hrtime.bigint() - f0;
    // The generator's garbage is collected here, outside the timed part, so the timed part pays
    // only for what the engine allocates (the chunk's inputs stay live, as decoded inputs would).
    gc();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const e of events) vectors += engine.add(e).length;
    ns += process.hrtime.bigint() - t0;
    const c = process.cpuUsage(c0);
    cpuUs += c.user + c.system;
  }
  const secs = Number(ns) / 1e9;
  const heldWindows = engine.openWindowCount();
  const heapAfterMb = heapMb();
  vectors += engine.flush().length;
  return {
    events: n,
    markets,
    rollingSizes: settings.rollingWindowsMs.length,
    eventsPerSec: n / secs,
    eventsPerCpuSec: n / (cpuUs / 1e6),
    floorEventsPerSec: n / (Number(floorNs) / 1e9),
    vectors,
    heapBeforeMb,
    heapAfterMb,
    heldWindows,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(runAggregationBench());
