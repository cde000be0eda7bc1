/**
 * The signal-delivery stage: what happens to a derived signal on its way to the signal sink
 * and back. It owns the market filter (an influencer's `markets`), end-to-end latency (the
 * receipt time of the earliest fill behind a signal), trace spans and per-stage times, the
 * ack-gated cursors (a cursor is persisted only once its signals are acknowledged) and the
 * poison policy (a signal the sink refused for good releases its key's cursor).
 */
import { FifoMap } from '../core/index.js';
import type { Clock, EventSource, FillEvent, IngesterTap } from '../core/index.js';
import type { Metrics } from '../obs/index.js';
import type { Signal } from '../positions/index.js';
import { signalLine } from '../positions/index.js';
import type { SinkRecord } from '../sinks/index.js';
import type { AckGatedCursorStore } from './ack-gated-cursors.js';
import { SignalSpans } from './signal-spans.js';
import { SignalStages } from './signal-stages.js';
import { toSinkRecord } from './signal-record.js';
import type { SinkSet } from './sinks.js';

/** Upper bound on receipt times remembered for end-to-end latency (entries are dropped on use). */
const MAX_RECEIPT_TIMES = 200_000;

export interface SignalDeliveryOptions {
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly sinks: SinkSet;
  readonly cursors: AckGatedCursorStore;
  /** The influencer's `markets` (empty or undefined = all). */
  readonly marketsOf: (influencerId: string) => readonly string[] | undefined;
  readonly tap?: IngesterTap | undefined;
  readonly onSignalLine?: ((line: string) => void) | undefined;
}

export class SignalDelivery {
  /** Signals published since start, by action (for the summary line at shutdown and /status). */
  readonly signalCounts = new Map<string, number>();
  private readonly spans = new SignalSpans();
  private readonly stages = new SignalStages();
  /**
   * Event id -> the `source` of the copy handed over first: its receipt time counts, and the
   * object itself tells that copy from a later one (each copy has its own). The source, not the
   * whole fill, so an entry the bound has to evict holds a few fields, not a fill's Decimals.
   */
  // Evicted oldest-first at the bound, which a plain Map makes O(n) per eviction (core/fifo-map.ts).
  private readonly receivedAt = new FifoMap<string, EventSource>();

  constructor(private readonly o: SignalDeliveryOptions) {
    // `at` is the sink's acknowledgement: with the sink on its own thread it comes before this
    // thread gets round to the event, and it is what "on Kafka" means.
    o.sinks.signals.events.on('delivered', ({ records, at }) => this.acknowledged(records, at));
    // A shed signal will never be acknowledged: release its key's cursor. Told by the event, not
    // by enqueue's outcome, because a queue on another thread may shed a record it already took.
    o.sinks.signals.events.on('shed', ({ record }) => {
      this.stages.dropped(record.id);
      o.cursors.signalsAcknowledged([record.id]);
    });
    // A signal Kafka refused for good is in the dead-letter path now: waiting for its ack would
    // hold its key's cursor forever, and a restart would only derive it (and be refused) again.
    o.sinks.signals.events.on('poisoned', ({ record }) => {
      this.stages.dropped(record.id);
      o.cursors.signalsAcknowledged([record.id]);
      this.spans.deadLettered(record.id, o.clock.now());
    });
  }

  /** Fills handed to the processor (the first copy's receipt time counts). */
  received(fills: readonly FillEvent[]): void {
    for (const f of fills) {
      if (this.receivedAt.size >= MAX_RECEIPT_TIMES) this.receivedAt.shift();
      if (!this.receivedAt.has(f.eventId)) this.receivedAt.set(f.eventId, f.source);
    }
    this.stages.received(fills);
  }

  /**
   * The fan-in suppressed this copy of a fill. A copy that comes after its fill's signal was
   * published finds no receipt and records its own, which nothing would ever take: forget it
   * now. Without this every second copy stayed until the bound evicted it, so both maps sat
   * at their 200 000 entries, half the live heap, and every entry outlived a young GC.
   */
  duplicate(f: FillEvent): void {
    if (this.receivedAt.get(f.eventId) !== f.source) return;
    this.receivedAt.delete(f.eventId);
    this.stages.forget(f.eventId);
  }

  /**
   * Fills the engine applied that no signal carries (a market class that does not emit, a
   * block netting to zero): their receipts would otherwise wait for the bound to evict them,
   * which for an influencer trading spot under the default perp + hip3 classes is every fill.
   */
  unsignalled(eventIds: readonly string[]): void {
    for (const id of eventIds) this.receivedAt.delete(id);
    this.stages.unsignalled(eventIds);
  }

  /** Receipt times waiting for their signal, here and in the stage clock (for tests and diagnostics). */
  tracked(): { readonly receipts: number; readonly stageReceipts: number; readonly stageFaninOut: number } {
    const stages = this.stages.tracked();
    return { receipts: this.receivedAt.size, stageReceipts: stages.receipts, stageFaninOut: stages.faninOut };
  }

  /** A block left the fan-in. */
  leftFanIn(fills: readonly FillEvent[]): void {
    this.stages.leftFanIn(fills);
  }

  /** The engine derived a signal (before publish). */
  derived(signal: Signal): void {
    this.stages.derived(signal);
  }

  /** The engine's publish port: resolves once the signal sink's queue took the record. */
  async publish(signal: Signal): Promise<void> {
    const { sinks, cursors, clock } = this.o;
    if (!this.signalsMarket(signal)) {
      this.stages.dropped(signal.signalId);
      for (const id of signal.sourceEventIds) this.receivedAt.delete(id);
      return;
    }
    // End-to-end latency starts at the first receipt of the earliest fill behind the signal.
    let first = Infinity;
    for (const id of signal.sourceEventIds) {
      const t = this.receivedAt.get(id)?.receivedAt;
      if (t !== undefined) {
        first = Math.min(first, t);
        this.receivedAt.delete(id);
      }
    }
    const receivedAt = Number.isFinite(first) ? first : clock.now();
    const traceId = this.spans.start(signal, receivedAt);
    const record = toSinkRecord(signal, receivedAt, traceId);
    this.o.tap?.publish({ kind: 'signal', text: record.value, receivedAtMs: clock.now() });
    cursors.signalEnqueued(signal.influencerId, signal.market, signal.signalId);
    this.stages.enqueued(signal.signalId);
    await sinks.signals.enqueue(record);
    this.signalCounts.set(signal.action, (this.signalCounts.get(signal.action) ?? 0) + 1);
    this.o.onSignalLine?.(signalLine(signal));
  }

  /** Ends the spans still open (shutdown). */
  close(): void {
    this.spans.endAll();
  }

  /**
   * An influencer's `markets` (empty = all) restricts what is signalled, not what is tracked:
   * the engine follows every market, so widening the list later starts from true positions.
   */
  private signalsMarket(signal: Signal): boolean {
    const markets = this.o.marketsOf(signal.influencerId);
    return markets === undefined || markets.length === 0 || markets.includes(signal.market);
  }

  /** `now`: when the sink acknowledged them (the clock's ms). */
  private acknowledged(records: readonly SinkRecord[], now: number): void {
    const ids = records.map((r) => r.id);
    this.o.cursors.signalsAcknowledged(ids);
    this.spans.acknowledged(ids, now);
    for (const r of records) this.o.metrics.endToEndLatency(Math.max(0, now - r.createdAt) / 1000);
    for (const t of this.stages.acknowledged(ids, Math.max(0, this.o.clock.now() - now))) {
      this.o.metrics.signalStages(t);
      this.o.metrics.signalAge(Math.max(0, now - t.blockTime) / 1000);
    }
  }
}
