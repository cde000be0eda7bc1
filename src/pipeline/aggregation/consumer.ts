/**
 * Feeds the window engine from an EventLog: reads every partition from its last offset, decodes
 * the envelopes, and adds them in (event_time_ms, event_id) order across partitions, so a market
 * sharded over several partitions merges in time order: events past the oldest "last read" time
 * of a partition that still has more are held for the next poll, so one partition read ahead
 * cannot make another's events look late. The same loop serves live
 * tailing (poll on a timer) and replay (drain from offset 0), which is why a replay gives the
 * same vectors as the live run. A record that cannot be decoded is counted and skipped.
 */
import { TypedEmitter } from '../../core/index.js';
import type { EventLog } from '../eventlog/index.js';
import { decodeEnvelope } from '../envelope/index.js';
import type { AggEvent } from './agg.js';
import { aggEventOf, compareEvents } from './agg.js';
import type { WindowEngine } from './engine.js';
import type { FeatureVector } from './vector.js';

export interface LogAggregatorOptions {
  readonly log: EventLog;
  readonly engine: WindowEngine;
  /** Receives each batch's vectors in emission order. */
  readonly emit: (vectors: readonly FeatureVector[]) => Promise<void> | void;
  /** Records read per partition per poll. */
  readonly batchRecords: number;
  /**
   * Too-late events under the correction policy, after each batch (the correction path). Without
   * it they are still taken from the engine (and only counted), so they never pile up in memory.
   */
  readonly onCorrections?: (events: readonly AggEvent[]) => Promise<void> | void;
  /** Called for every record that is not a decodable envelope. */
  readonly onUndecodable?: (partition: string, offset: number, error: unknown) => void;
}

/** What the aggregator tells metrics: facts per batch, never per event. */
export interface AggregationEvents {
  emitted: { readonly kind: string; readonly revision: number; readonly count: number };
  late: { readonly policy: 'drop' | 'correction'; readonly count: number };
  undecodable: { readonly partition: string; readonly offset: number };
}

export class LogAggregator {
  readonly events = new TypedEmitter<AggregationEvents>();
  private lateSeen = { drop: 0, correction: 0 };
  private readonly offsets = new Map<string, number>();
  private pending: AggEvent[] = [];
  undecodable = 0;
  consumed = 0;

  constructor(private readonly o: LogAggregatorOptions) {}

  /** Reads what is new in every partition and aggregates it; returns the records consumed. */
  async poll(): Promise<number> {
    const batch: AggEvent[] = this.pending;
    let horizon = Number.MAX_SAFE_INTEGER;
    for (const p of await this.o.log.partitions()) {
      const from = this.offsets.get(p) ?? 0;
      const recs = await this.o.log.read(p, { fromOffset: from, maxRecords: this.o.batchRecords });
      for (const r of recs) {
        try {
          batch.push(aggEventOf(decodeEnvelope(r.bytes)));
        } catch (err) {
          this.undecodable += 1;
          this.o.onUndecodable?.(p, r.offset, err);
          this.events.emit('undecodable', { partition: p, offset: r.offset });
        }
      }
      const last = recs[recs.length - 1];
      if (last !== undefined) this.offsets.set(p, last.offset + 1);
      if (last !== undefined && recs.length >= this.o.batchRecords)
        horizon = Math.min(horizon, last.timestampMs);
    }
    batch.sort(compareEvents);
    let n = batch.length;
    while (n > 0 && (batch[n - 1]?.eventTimeMs ?? 0) > horizon) n -= 1;
    this.pending = batch.slice(n);
    const out: FeatureVector[] = [];
    for (let i = 0; i < n; i++) for (const v of this.o.engine.add(batch[i] as AggEvent)) out.push(v);
    this.consumed += n;
    await this.publish(out);
    return n;
  }

  private async publish(out: readonly FeatureVector[]): Promise<void> {
    if (out.length > 0) await this.o.emit(out);
    const counts = new Map<string, number>();
    for (const v of out)
      counts.set(`${v.kind}|${v.revision}`, (counts.get(`${v.kind}|${v.revision}`) ?? 0) + 1);
    for (const [k, count] of counts) {
      const [kind = '', revision = '0'] = k.split('|');
      this.events.emit('emitted', { kind, revision: Number(revision), count });
    }
    const s = this.o.engine.stats;
    if (s.lateDropped > this.lateSeen.drop)
      this.events.emit('late', { policy: 'drop', count: s.lateDropped - this.lateSeen.drop });
    if (s.corrected > this.lateSeen.correction)
      this.events.emit('late', { policy: 'correction', count: s.corrected - this.lateSeen.correction });
    this.lateSeen = { drop: s.lateDropped, correction: s.corrected };
    const c = this.o.engine.takeCorrections();
    if (c.length > 0) await this.o.onCorrections?.(c);
  }

  /** Polls until the log has nothing new (replay). */
  async drain(): Promise<void> {
    while ((await this.poll()) > 0);
  }

  /** Adds what is held, then early-emits every open window (end of replay, shutdown). */
  async flush(): Promise<void> {
    const out: FeatureVector[] = [];
    for (const e of this.pending) for (const v of this.o.engine.add(e)) out.push(v);
    this.consumed += this.pending.length;
    this.pending = [];
    out.push(...this.o.engine.flush());
    await this.publish(out);
  }
}
