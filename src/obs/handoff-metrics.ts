/**
 * Metrics of the Kafka hand-off of distributed mode (issue #17), from the hand-off adapters'
 * facts: on a `listeners` process the bronze producer (published, refused, send errors,
 * receipt -> ack latency) and the listener group's ownership (coordination partitions and
 * influencers owned, rebalances); on a `processor` process the bronze consumer (consumed, bad
 * records skipped, partitions owned, lag per partition, commits and the last commit time,
 * rebalances). The fact shapes are structural so obs never imports src/distributed; the
 * composition root maps adapter events onto these methods. One instance per registry
 * (`HandoffMetrics.on(registry)`), so a second App on a shared registry reuses the metrics.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { HANDOFF_METRIC_NAMES as N, LATENCY_BUCKETS_SECONDS } from './metric-names.js';

/** The listener side's labels: the process role and its listener group. */
export interface ListenerSide {
  readonly role: 'listeners';
  readonly group: string;
}

/** The processor side's labels. */
export interface ProcessorSide {
  readonly role: 'processor';
}

/** A bronze batch Kafka acknowledged: its size and each record's receipt -> ack time (ms). */
export interface BronzeSent {
  readonly records: number;
  readonly receiptAgesMs: readonly number[];
}

/** Per-partition lag of the bronze consumer (high watermark - committed offset), null while unknown. */
export interface PartitionLag {
  readonly partition: number;
  readonly lag: number | null;
}

const registries = new WeakMap<Registry, HandoffMetrics>();
const seconds = (ms: number): number => (Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0);

export class HandoffMetrics {
  private readonly published: Counter<'role' | 'group'>;
  private readonly failed: Counter<'role' | 'group' | 'reason'>;
  private readonly sendErrors: Counter<'role' | 'group'>;
  private readonly latency: Histogram<'role' | 'group'>;
  private readonly coordPartitions: Gauge<'role' | 'group'>;
  private readonly influencers: Gauge<'role' | 'group'>;
  private readonly ownershipRebalances: Counter<'role' | 'group'>;
  private readonly consumed: Counter<'role'>;
  private readonly badRecords: Counter<'role'>;
  private readonly partitions: Gauge<'role'>;
  private readonly lag: Gauge<'role' | 'partition'>;
  private readonly commits: Counter<'role' | 'outcome'>;
  private readonly lastCommit: Gauge<'role'>;
  private readonly consumerRebalances: Counter<'role'>;
  private readonly transit: Histogram<'role'>;

  /** The registry's one instance (created on first use). */
  static on(registry: Registry): HandoffMetrics {
    let m = registries.get(registry);
    if (!m) {
      m = new HandoffMetrics(registry);
      registries.set(registry, m);
    }
    return m;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    const L = ['role', 'group'] as const;
    this.published = new Counter({
      name: N.bronzePublished,
      help: 'Hand-off records Kafka acknowledged on the bronze topic.',
      labelNames: L,
      registers,
    });
    this.failed = new Counter({
      name: N.bronzeFailed,
      help: 'Hand-off records refused and lost to the bronze topic (overflow: queue full; closed: after close).',
      labelNames: [...L, 'reason'],
      registers,
    });
    this.sendErrors = new Counter({
      name: N.bronzeSendErrors,
      help: 'Bronze batch sends that failed (the batch is kept and re-sent).',
      labelNames: L,
      registers,
    });
    this.latency = new Histogram({
      name: N.bronzePublishLatency,
      help: 'Listener receipt of a record to its bronze ack by Kafka, per record.',
      labelNames: L,
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.coordPartitions = new Gauge({
      name: N.coordinationPartitions,
      help: "Coordination-topic partitions assigned to this listener process (its group's share).",
      labelNames: L,
      registers,
    });
    this.influencers = new Gauge({
      name: N.influencersOwned,
      help: 'Influencers this listener process follows (those of its coordination partitions).',
      labelNames: L,
      registers,
    });
    this.ownershipRebalances = new Counter({
      name: N.ownershipRebalances,
      help: 'Listener-group assignments received (the first join included).',
      labelNames: L,
      registers,
    });
    this.consumed = new Counter({
      name: N.bronzeConsumed,
      help: 'Bronze records handed to the processor (re-fetches after a rebalance not counted twice).',
      labelNames: ['role'],
      registers,
    });
    this.transit = new Histogram({
      name: N.bronzeTransit,
      help: "Listener receipt of a fills record to this processor's receipt of it from the bronze topic (wall clocks of two processes).",
      labelNames: ['role'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.badRecords = new Counter({
      name: N.bronzeBadRecords,
      help: 'Bronze records that failed to decode: logged with their position and skipped.',
      labelNames: ['role'],
      registers,
    });
    this.partitions = new Gauge({
      name: N.bronzePartitions,
      help: 'Bronze-topic partitions assigned to this processor.',
      labelNames: ['role'],
      registers,
    });
    this.lag = new Gauge({
      name: N.bronzeLag,
      help: 'Bronze records not yet committed per owned partition (high watermark - committed offset).',
      labelNames: ['role', 'partition'],
      registers,
    });
    this.commits = new Counter({
      name: N.bronzeCommits,
      help: 'Bronze offset commits, by outcome (ok, error).',
      labelNames: ['role', 'outcome'],
      registers,
    });
    this.lastCommit = new Gauge({
      name: N.bronzeLastCommit,
      help: 'Unix time of the last successful bronze offset commit (0 before the first).',
      labelNames: ['role'],
      registers,
    });
    this.consumerRebalances = new Counter({
      name: N.bronzeRebalances,
      help: 'Processor-group assignments received (the first join included).',
      labelNames: ['role'],
      registers,
    });
  }

  /** Starts every listener-side series at 0, so rates and increase() see the first event. */
  listenerReady(s: ListenerSide): void {
    this.published.labels(s.role, s.group).inc(0);
    this.sendErrors.labels(s.role, s.group).inc(0);
    for (const reason of ['overflow', 'closed']) this.failed.labels(s.role, s.group, reason).inc(0);
    this.ownershipRebalances.labels(s.role, s.group).inc(0);
    this.coordPartitions.labels(s.role, s.group).set(0);
    this.influencers.labels(s.role, s.group).set(0);
  }

  bronzeSent(s: ListenerSide, e: BronzeSent): void {
    this.published.labels(s.role, s.group).inc(e.records);
    const h = this.latency.labels(s.role, s.group);
    for (const ms of e.receiptAgesMs) h.observe(seconds(ms));
  }

  bronzeRefused(s: ListenerSide, reason: 'overflow' | 'closed'): void {
    this.failed.labels(s.role, s.group, reason).inc();
  }

  bronzeSendError(s: ListenerSide): void {
    this.sendErrors.labels(s.role, s.group).inc();
  }

  /** A new listener-group assignment. */
  ownershipAssigned(s: ListenerSide, partitions: number, influencers: number): void {
    this.ownershipRebalances.labels(s.role, s.group).inc();
    this.ownership(s, partitions, influencers);
  }

  /** What this process owns now (also sampled: the influencer list changes without a rebalance). */
  ownership(s: ListenerSide, partitions: number, influencers: number): void {
    this.coordPartitions.labels(s.role, s.group).set(partitions);
    this.influencers.labels(s.role, s.group).set(influencers);
  }

  processorReady(s: ProcessorSide): void {
    this.consumed.labels(s.role).inc(0);
    this.badRecords.labels(s.role).inc(0);
    this.consumerRebalances.labels(s.role).inc(0);
    for (const outcome of ['ok', 'error']) this.commits.labels(s.role, outcome).inc(0);
    this.partitions.labels(s.role).set(0);
    this.lastCommit.labels(s.role).set(0);
  }

  bronzeConsumed(s: ProcessorSide, records: number, transitMs: readonly number[] = []): void {
    if (records > 0) this.consumed.labels(s.role).inc(records);
    if (transitMs.length === 0) return;
    const h = this.transit.labels(s.role);
    for (const ms of transitMs) h.observe(seconds(ms));
  }

  bronzeBadRecord(s: ProcessorSide): void {
    this.badRecords.labels(s.role).inc();
  }

  /** A new processor-group assignment; per-partition lag series of revoked partitions are dropped. */
  bronzeAssigned(s: ProcessorSide, partitions: readonly number[], revoked: readonly number[]): void {
    this.consumerRebalances.labels(s.role).inc();
    this.partitions.labels(s.role).set(partitions.length);
    for (const p of revoked) this.lag.remove(s.role, String(p));
  }

  /** `nowMs`: wall-clock time of the commit (the dashboard shows time() minus it as commit age). */
  bronzeCommitted(s: ProcessorSide, nowMs: number): void {
    this.commits.labels(s.role, 'ok').inc();
    this.lastCommit.labels(s.role).set(nowMs / 1000);
  }

  bronzeCommitFailed(s: ProcessorSide): void {
    this.commits.labels(s.role, 'error').inc();
  }

  /** Sampled from the consumer's partition bookkeeping (its high watermarks come with each fetch). */
  bronzeLag(s: ProcessorSide, partitions: readonly PartitionLag[]): void {
    for (const p of partitions) if (p.lag !== null) this.lag.labels(s.role, String(p.partition)).set(p.lag);
  }
}
