/**
 * KafkaHandoffSource: the processor side of the Kafka hand-off, a consumer group
 * (`<prefix>-processors`) over the bronze topic. Each fetched batch of one partition becomes one
 * delivery, in offset order. Offsets are committed manually (autoCommit off) and only up to the
 * contiguous run of acked deliveries (partition-acks.ts), at most every commitIntervalMs.
 * kafkajs rebalances eagerly and has no revoke callback, so commits are kept close behind the
 * acks; when an assignment drops a partition its records are no longer delivered, its late acks
 * are ignored and the new owner resumes from the committed offset. A partition kept across a
 * rebalance is re-fetched by kafkajs from the committed offset; records already delivered are
 * skipped. Bad records are counted, logged with their position and skipped (never a crash).
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { TypedEmitter, systemClock } from '../core/index.js';
import type { Clock, Logger, TimerHandle, ValidationError } from '../core/index.js';
import type { DistributedKafkaConfig } from '../config/index.js';
import type { HandoffDelivery, HandoffRecord, HandoffSource, MemberAdvert } from '../handoff/index.js';
import { decodeBronze } from './bronze-codec.js';
import { PartitionAcks } from './partition-acks.js';
import type { PartitionAckStatus } from './partition-acks.js';
import { connectAndSubscribe, groupConsumer } from './group-consumer.js';
import { clusterGroupIds } from './group-ids.js';

export interface HandoffSourceEvents {
  /** A new assignment took effect; pauseMs = time from noticing the rebalance to the new assignment. */
  assigned: {
    readonly partitions: readonly number[];
    readonly revoked: readonly number[];
    readonly pauseMs: number | null;
  };
  /** Records of one fetched batch handed to the processor (a re-fetch's repeats not included). */
  /** transitMs: per fills record, its listener receipt to this fetch (wall clocks). */
  delivered: { readonly partition: number; readonly records: number; readonly transitMs: readonly number[] };
  badRecord: { readonly partition: number; readonly offset: string; readonly error: ValidationError };
  committed: { readonly partitions: readonly { partition: number; offset: string }[] };
  commitError: { readonly error: unknown };
}

export interface HandoffSourceStatus {
  readonly groupId: string;
  readonly topic: string;
  readonly memberId: string | null;
  readonly partitions: readonly PartitionAckStatus[];
  readonly deliveries: number;
  readonly badRecords: number;
  readonly rebalances: number;
  readonly lastRebalancePauseMs: number | null;
}

export interface KafkaHandoffSourceOptions {
  readonly kafka: Kafka;
  readonly config: DistributedKafkaConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export class KafkaHandoffSource implements HandoffSource {
  readonly events: TypedEmitter<HandoffSourceEvents>;
  readonly groupId: string;
  private readonly topic: string;
  private readonly cfg: DistributedKafkaConfig['bronze'];
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly acks = new PartitionAcks();
  private consumer: Consumer | null = null;
  private onDelivery: ((d: HandoffDelivery) => void) | null = null;
  private memberId: string | null = null;
  private advert: MemberAdvert | undefined;
  private readonly paused = new Set<number>();
  private deliveries = 0;
  private badRecords = 0;
  private rebalances = 0;
  private rebalanceStartedAt: number | null = null;
  private lastRebalancePauseMs: number | null = null;
  private commitTimer: TimerHandle | null = null;
  /** Partition -> the generation in which it was gained (HandoffDelivery.origin). */
  private readonly gained = new Map<number, number>();
  private generation = 0;
  private committing: Promise<void> | null = null;
  private lastCommitAt = 0;
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(private readonly options: KafkaHandoffSourceOptions) {
    this.cfg = options.config.bronze;
    this.topic = this.cfg.topic;
    this.groupId = clusterGroupIds(options.config).processors;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger.child({ component: 'distributed.handoff-source', groupId: this.groupId });
    this.events = new TypedEmitter<HandoffSourceEvents>(this.log);
  }

  /** Who this member is, in its join metadata (read by `ingest cluster status`). */
  advertise(advert: MemberAdvert): void {
    this.advert = advert;
  }

  async start(onDelivery: (delivery: HandoffDelivery) => void): Promise<void> {
    if (this.consumer || this.closing) return;
    this.onDelivery = onDelivery;
    const { kafka, config } = this.options;
    const consumer = await groupConsumer(kafka, config, {
      topic: this.topic,
      groupId: this.groupId,
      group: this.cfg,
      held: () => this.acks.partitions(),
      advert: () => this.advert,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.REBALANCING, () => {
      this.rebalanceStartedAt ??= this.clock.now();
      // Best effort: get acked offsets in before the generation ends (kafkajs gives no revoke hook).
      this.commitSoon(true);
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) =>
      this.onAssigned(e.payload.memberId, e.payload.memberAssignment[this.topic] ?? []),
    );
    consumer.on(consumer.events.CRASH, (e) =>
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, 'bronze consumer crashed'),
    );
    await connectAndSubscribe(consumer, {
      topic: this.topic,
      fromBeginning: true,
      closing: () => this.closed !== null,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async (payload) => this.onBatch(payload),
    });
  }

  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  status(): HandoffSourceStatus {
    return {
      groupId: this.groupId,
      topic: this.topic,
      memberId: this.memberId,
      partitions: this.acks.status(),
      deliveries: this.deliveries,
      badRecords: this.badRecords,
      rebalances: this.rebalances,
      lastRebalancePauseMs: this.lastRebalancePauseMs,
    };
  }

  private onAssigned(memberId: string, partitions: readonly number[]): void {
    this.memberId = memberId;
    const held = new Set(this.acks.partitions());
    const revoked = this.acks.assign(partitions);
    this.generation += 1;
    for (const p of revoked) this.gained.delete(p);
    for (const p of partitions) if (!held.has(p) || !this.gained.has(p)) this.gained.set(p, this.generation);
    const pauseMs = this.rebalanceStartedAt === null ? null : this.clock.now() - this.rebalanceStartedAt;
    this.rebalanceStartedAt = null;
    this.rebalances += 1;
    if (pauseMs !== null) this.lastRebalancePauseMs = pauseMs;
    for (const p of revoked) this.paused.delete(p);
    // kafkajs keeps pauses across rebalances; a partition we (re)gain starts unpaused.
    const stale = partitions.filter((p) => this.paused.has(p) && this.acks.unacked(p) === 0);
    if (stale.length > 0 && this.consumer) {
      this.consumer.resume([{ topic: this.topic, partitions: stale }]);
      for (const p of stale) this.paused.delete(p);
    }
    this.log.info({ partitions, revoked, pauseMs }, 'bronze partitions assigned');
    this.events.emit('assigned', { partitions: [...partitions], revoked, pauseMs });
  }

  /** Synchronous on purpose: eachBatch returns at once (heartbeats keep flowing); the processor acks later. */
  private async onBatch({ batch }: EachBatchPayload): Promise<void> {
    const partition = batch.partition;
    if (this.closing || !this.acks.owns(partition)) return;
    this.acks.noteHighWatermark(partition, BigInt(batch.highWatermark));
    const records: HandoffRecord[] = [];
    let end: bigint | null = null;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (this.acks.alreadyDelivered(partition, offset)) continue;
      end = offset + 1n;
      const r = decodeBronze(m);
      if (r.ok) {
        records.push(r.record);
        continue;
      }
      this.badRecords += 1;
      this.log.warn({ partition, offset: m.offset, err: r.error }, 'bad bronze record skipped');
      this.events.emit('badRecord', { partition, offset: m.offset, error: r.error });
    }
    if (end === null) return;
    const token = this.acks.deliver(partition, end, records.length);
    if (token === null) return;
    if (records.length === 0) {
      if (this.acks.ack(token)) this.commitSoon();
      return;
    }
    let acked = false;
    const ack = (): void => {
      if (acked) return;
      acked = true;
      if (this.acks.ack(token)) this.commitSoon();
      if (this.paused.has(partition) && this.acks.unacked(partition) <= this.cfg.maxUnackedPerPartition / 2) {
        this.paused.delete(partition);
        this.consumer?.resume([{ topic: this.topic, partitions: [partition] }]);
      }
    };
    this.deliveries += 1;
    if (this.events.has('delivered')) {
      const now = this.clock.now();
      const transitMs = records.flatMap((r) => (r.kind === 'fills' ? [Math.max(0, now - r.receivedAt)] : []));
      this.events.emit('delivered', { partition, records: records.length, transitMs });
    }
    if (this.acks.unacked(partition) >= this.cfg.maxUnackedPerPartition && !this.paused.has(partition)) {
      this.paused.add(partition);
      this.consumer?.pause([{ topic: this.topic, partitions: [partition] }]);
    }
    const origin = { partition, generation: this.gained.get(partition) ?? 0 };
    (this.onDelivery as (d: HandoffDelivery) => void)({ records, ack, origin });
  }

  /** Commits acked offsets, coalesced to one commit in flight and one per commitIntervalMs. */
  private commitSoon(now = false): void {
    if (this.commitTimer || this.committing) {
      if (!now) return;
    }
    const wait = now ? 0 : Math.max(0, this.lastCommitAt + this.cfg.commitIntervalMs - this.clock.now());
    if (wait > 0) {
      this.commitTimer ??= this.clock.setTimeout(() => {
        this.commitTimer = null;
        void this.commitNow();
      }, wait);
      return;
    }
    void this.commitNow();
  }

  private async commitNow(): Promise<void> {
    while (this.committing) await this.committing;
    const due = this.acks.committable();
    const consumer = this.consumer;
    if (due.length === 0 || consumer === null) return;
    this.lastCommitAt = this.clock.now();
    this.committing = (async () => {
      try {
        await consumer.commitOffsets(
          due.map((d) => ({ topic: this.topic, partition: d.partition, offset: d.offset.toString() })),
        );
        for (const d of due) this.acks.markCommitted(d.partition, d.offset);
        this.events.emit('committed', {
          partitions: due.map((d) => ({ partition: d.partition, offset: d.offset.toString() })),
        });
      } catch (error) {
        // Usually a rebalance in progress: the next ack (or the new owner) commits again.
        this.log.warn({ err: error }, 'bronze offset commit failed');
        this.events.emit('commitError', { error });
      }
    })();
    try {
      await this.committing;
    } finally {
      this.committing = null;
    }
    // Acks that arrived while committing.
    if (this.acks.committable().length > 0 && !this.closing) this.commitSoon();
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    this.commitTimer?.cancel();
    this.commitTimer = null;
    const consumer = this.consumer;
    if (consumer === null) return;
    // Stop deliveries first, then commit what was acked, then leave the group.
    const owned = this.acks.partitions();
    if (owned.length > 0) {
      try {
        consumer.pause([{ topic: this.topic, partitions: owned }]);
      } catch {
        // Not running (start failed half-way): nothing to pause.
      }
    }
    await this.commitNow();
    await consumer.disconnect();
    this.acks.assign([]);
  }
}

/** Factory the composition root calls for a `processor` process. */
export function createKafkaHandoffSource(options: KafkaHandoffSourceOptions): KafkaHandoffSource {
  return new KafkaHandoffSource(options);
}
