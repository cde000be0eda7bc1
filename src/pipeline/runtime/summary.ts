/**
 * The live one-line-per-second terminal summary of `ingest pipeline run`: totals, rates over
 * the last period, the worst ingest lag seen in it, partitions written and each connector's
 * run state. Pure formatting over counters; the caller decides where the line goes.
 */
import type { PipelineTotals } from '../process/index.js';
import type { ConnectorStatus } from './runner.js';

export class Summary {
  private last: PipelineTotals = { raw: 0, ingested: 0, quarantined: 0, duplicates: 0 };
  private lastAt: number;
  private maxLagMs = 0;
  private readonly partitions = new Set<string>();

  constructor(startedAt: number) {
    this.lastAt = startedAt;
  }

  /** Feed from the pipeline's `ingested` event. */
  observe(partition: string, lagMs: number): void {
    if (lagMs > this.maxLagMs) this.maxLagMs = lagMs;
    this.partitions.add(partition);
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
      `  duplicates ${t.duplicates}  partitions ${this.partitions.size}  max lag ${Math.round(this.maxLagMs)} ms  | ${states}`;
    this.last = { ...t };
    this.lastAt = now;
    this.maxLagMs = 0;
    return text;
  }
}
