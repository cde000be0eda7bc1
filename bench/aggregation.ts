/**
 * Aggregation bench (issue #16): events/s into tick windows for 1 000 markets on one core, and
 * heap with windows open. Standalone for now: `node --expose-gc --import tsx bench/aggregation.ts`.
 */
import { WindowEngine } from '../src/pipeline/aggregation/index.js';
import type { TradeInput } from '../src/pipeline/aggregation/index.js';

export function runAggregationBench(
  n = 1_000_000,
  markets = 1_000,
): { eventsPerSec: number; bars: number; heapMb: number } {
  const events: TradeInput[] = [];
  for (let i = 0; i < n; i++) {
    events.push({
      marketId: `M${i % markets}`,
      eventId: i.toString(16).padStart(64, '0'),
      eventTimeMs: 1_000 + Math.floor(i / 20),
      price: BigInt(100_000 + (i % 97)),
      size: BigInt(1 + (i % 5)),
    });
  }
  const engine = new WindowEngine(
    { originMs: 0, epochWindowMs: 60_000, publishCadenceMs: 1_000, allowedLatenessMs: 500 },
    'drop',
  );
  let bars = 0;
  const t0 = process.hrtime.bigint();
  for (const e of events) bars += engine.add(e).length;
  bars += engine.flush().length;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const heapMb = process.memoryUsage().heapUsed / 1e6;
  return { eventsPerSec: n / secs, bars, heapMb };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(runAggregationBench());
