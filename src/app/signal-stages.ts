/**
 * Per-stage latency of signals on a monotonic clock (performance.now(), sub-millisecond):
 * frame receipt (the listener hands the parsed frame's fills to the pipeline, in the frame's
 * tick) -> fan-in out (the fill's block left the fan-in) -> signal derived -> sink enqueue ->
 * sink ack. A signal's receipt is its earliest fill's, its fan-in out its last fill's. The
 * composition root feeds the points; acknowledged signals come back as SignalStageTimes for
 * the `ingest_signal_stage_seconds` histogram, with the signal's block time for its age at the
 * ack (`ingest_signal_age_seconds`, wall clock). Fills and signals that never reach an ack
 * (net-zero blocks, filtered markets, dead letters) are dropped or evicted oldest first.
 */
import { performance } from 'node:perf_hooks';
import { FifoMap } from '../core/index.js';
import type { FillEvent } from '../core/index.js';
import type { SignalStageTimes } from '../obs/index.js';
import type { Signal } from '../positions/index.js';

/** Bound on fills and on signals waiting for their next point. */
const MAX_TRACKED = 200_000;

interface Open {
  /** The signal's block time, wall ms (not monotonic): for its age at the ack. */
  readonly blockTime: number;
  readonly receipt: number;
  readonly faninOut: number;
  readonly derived: number;
  enqueued: number;
}

/** Makes room for one more, oldest first (FifoMap: a plain Map's oldest is O(n) to find). */
function bounded<V>(m: FifoMap<string, V>): void {
  if (m.size >= MAX_TRACKED) m.shift();
}

export class SignalStages {
  private readonly receipt = new FifoMap<string, number>();
  private readonly faninOut = new FifoMap<string, number>();
  private readonly open = new FifoMap<string, Open>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Fills handed over by a listener (the first copy counts). */
  received(fills: readonly FillEvent[]): void {
    const t = this.now();
    for (const f of fills) {
      if (this.receipt.has(f.eventId)) continue;
      bounded(this.receipt);
      this.receipt.set(f.eventId, t);
    }
  }

  /** Entries waiting for their next point (bounded; for tests and diagnostics). */
  tracked(): { readonly receipts: number; readonly faninOut: number; readonly open: number } {
    return { receipts: this.receipt.size, faninOut: this.faninOut.size, open: this.open.size };
  }

  /** A copy recorded by received() turned out to be a duplicate of a fill already derived. */
  forget(eventId: string): void {
    this.receipt.delete(eventId);
  }

  /** Fills the engine applied that no signal carries: nothing will come for them. */
  unsignalled(eventIds: readonly string[]): void {
    for (const id of eventIds) {
      this.receipt.delete(id);
      this.faninOut.delete(id);
    }
  }

  /** A block left the fan-in. */
  leftFanIn(fills: readonly FillEvent[]): void {
    const t = this.now();
    for (const f of fills) {
      bounded(this.faninOut);
      this.faninOut.set(f.eventId, t);
    }
  }

  /** The engine derived a signal. */
  derived(signal: Signal): void {
    const t = this.now();
    let receipt = Infinity;
    let out = -Infinity;
    for (const id of signal.sourceEventIds) {
      const r = this.receipt.get(id);
      if (r !== undefined && r < receipt) receipt = r;
      const o = this.faninOut.get(id);
      if (o !== undefined && o > out) out = o;
      this.receipt.delete(id);
      this.faninOut.delete(id);
    }
    // A RECONCILE or a backfilled signal may have no receipt of its own: not a pipeline latency.
    if (receipt === Infinity || out === -Infinity) return;
    bounded(this.open);
    this.open.set(signal.signalId, {
      blockTime: signal.timestamp,
      receipt,
      faninOut: out,
      derived: t,
      enqueued: NaN,
    });
  }

  enqueued(signalId: string): void {
    const o = this.open.get(signalId);
    if (o) o.enqueued = this.now();
  }

  /**
   * The sink acknowledged these signals `agoMs` before now (a sink on another thread acks before
   * this thread hears of it): their complete stage times.
   */
  acknowledged(signalIds: readonly string[], agoMs = 0): SignalStageTimes[] {
    const t = this.now() - agoMs;
    const out: SignalStageTimes[] = [];
    for (const id of signalIds) {
      const o = this.open.get(id);
      if (!o) continue;
      this.open.delete(id);
      if (Number.isNaN(o.enqueued)) continue;
      out.push({
        blockTime: o.blockTime,
        receipt: o.receipt,
        faninOut: o.faninOut,
        derived: o.derived,
        enqueued: o.enqueued,
        acked: t,
      });
    }
    return out;
  }

  /** The signal will never be acknowledged (filtered, shed, dead-lettered). */
  dropped(signalId: string): void {
    this.open.delete(signalId);
  }
}
