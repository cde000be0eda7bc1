/**
 * The live one-line-per-second terminal summary of `ingest pipeline run`: totals, rates over
 * the last period, the worst ingest lag seen in it, partitions written and each connector's
 * run state, and from aggregation the bar count with the latest bar and influencer consensus of
 * the two most recent markets. Pure formatting over counters; the caller decides where the line goes.
 */
import type { FeatureVector } from '../aggregation/index.js';
import { fromFixed, PX_SCALE } from '../envelope/index.js';
import type { PipelineTotals } from '../process/index.js';
import type { ConnectorStatus } from './runner.js';

export class Summary {
  private last: PipelineTotals = { raw: 0, ingested: 0, quarantined: 0, duplicates: 0 };
  private lastAt: number;
  private maxLagMs = 0;
  private readonly partitions = new Set<string>();
  private bars = 0;
  /** The newest tick vector per market, for the live bar and consensus. */
  private readonly lastTick = new Map<string, FeatureVector>();

  constructor(startedAt: number) {
    this.lastAt = startedAt;
  }

  /** Feed from the pipeline's `ingested` event. */
  observe(partition: string, lagMs: number): void {
    if (lagMs > this.maxLagMs) this.maxLagMs = lagMs;
    this.partitions.add(partition);
  }

  /** Feed from the aggregation stage's vectors. */
  observeVectors(vs: readonly FeatureVector[]): void {
    for (const v of vs) {
      if (v.kind !== 'tick') continue;
      this.bars += 1;
      const prev = this.lastTick.get(v.marketId);
      if (prev === undefined || prev.endMs <= v.endMs) this.lastTick.set(v.marketId, v);
    }
  }

  /** `bars N  <market> c=<close> v=<volume> L<long>/S<short> r=<ratio>` for the 2 latest markets. */
  private aggregation(): string {
    if (this.bars === 0) return '';
    const latest = [...this.lastTick.values()].sort(
      (a, b) => b.endMs - a.endMs || (a.marketId < b.marketId ? -1 : 1),
    );
    const parts = latest.slice(0, 2).map((v) => {
      const f = v.features;
      const px = (x: unknown): string => (typeof x === 'bigint' ? fromFixed(x, PX_SCALE) : '-');
      const ratio =
        typeof f['consensus_ratio'] === 'number' ? (f['consensus_ratio'] / 10_000).toFixed(2) : '-';
      return (
        `${v.marketId} c=${px(f['close'])} v=${px(f['volume'])} ` +
        `L${String(f['influencers_long'])}/S${String(f['influencers_short'])} r=${ratio}`
      );
    });
    return `  | bars ${this.bars} ${parts.join('  ')}`;
  }

  line(now: number, t: PipelineTotals, connectors: readonly ConnectorStatus[]): string {
    const secs = Math.max(0.001, (now - this.lastAt) / 1000);
    const rate = Math.round((t.ingested - this.last.ingested) / secs);
    const clock = new Date(now).toISOString().slice(11, 19);
    const states = connectors
      .filter((c) => c.run !== 'not-selected')
      .map((c) => `${c.name}@${c.version}:${c.run}${c.health?.state === 'degraded' ? '(degraded)' : ''}`)
      .join(' ');
    const text =
      `${clock} events ${t.ingested} (+${rate}/s)  quarantined ${t.quarantined} (+${t.quarantined - this.last.quarantined})` +
      `  duplicates ${t.duplicates}  partitions ${this.partitions.size}  max lag ${Math.round(this.maxLagMs)} ms  | ${states}` +
      this.aggregation();
    this.last = { ...t };
    this.lastAt = now;
    this.maxLagMs = 0;
    return text;
  }
}
