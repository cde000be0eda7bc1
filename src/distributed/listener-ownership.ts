/**
 * KafkaListenerOwnership: which influencers this listener process follows. Each listener group
 * (A runs primaries, B secondaries) is a kafkajs consumer group (`<prefix>-listeners-<group>`)
 * over the coordination topic, whose partitions are only units of ownership: nothing is written
 * to it. An influencer belongs to partition influencerPartition(id, partitions) (FNV-1a, pinned),
 * and a process owns the influencers of the partitions assigned to it. Kafka's group coordinator
 * does membership and failure detection (no election or leases of our own); the sticky assignor
 * moves only the partitions a join or leave forces to move. onChange fires after each
 * assignment with the new owned set (also when the influencer list changes).
 */
import type { Consumer, Kafka } from 'kafkajs';
import { TypedEmitter, systemClock } from '../core/index.js';
import type { Clock, Logger } from '../core/index.js';
import type { DistributedKafkaConfig } from '../config/index.js';
import type { ListenerGroup, ListenerOwnership, MemberAdvert } from '../handoff/index.js';
import { influencerPartition } from './influencer-hash.js';
import { connectAndSubscribe, groupConsumer } from './group-consumer.js';
import { clusterGroupIds } from './group-ids.js';

export interface ListenerOwnershipEvents {
  assigned: {
    readonly partitions: readonly number[];
    readonly owned: number;
    /** Time from noticing the rebalance to the new assignment (null on the first join). */
    readonly pauseMs: number | null;
  };
}

export interface ListenerOwnershipStatus {
  readonly group: ListenerGroup;
  readonly groupId: string;
  readonly memberId: string | null;
  readonly partitions: readonly number[];
  readonly owned: number;
  readonly influencers: number;
  readonly rebalances: number;
  readonly lastRebalancePauseMs: number | null;
}

export interface KafkaListenerOwnershipOptions {
  readonly kafka: Kafka;
  readonly config: DistributedKafkaConfig;
  readonly logger: Logger;
  readonly group: ListenerGroup;
  /** Every influencer currently tracked (all processes see the same list); update with setInfluencers. */
  readonly influencers: Iterable<string>;
  readonly clock?: Clock;
}

export class KafkaListenerOwnership implements ListenerOwnership {
  readonly events: TypedEmitter<ListenerOwnershipEvents>;
  readonly groupId: string;
  private readonly cfg: DistributedKafkaConfig['coordination'];
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly listeners: ((owned: ReadonlySet<string>) => void)[] = [];
  private influencers: string[];
  private assigned: number[] = [];
  private current: ReadonlySet<string> = new Set();
  private consumer: Consumer | null = null;
  private memberId: string | null = null;
  private advert: MemberAdvert | undefined;
  private rebalances = 0;
  private rebalanceStartedAt: number | null = null;
  private lastRebalancePauseMs: number | null = null;
  private closed: Promise<void> | null = null;

  constructor(private readonly options: KafkaListenerOwnershipOptions) {
    this.cfg = options.config.coordination;
    this.groupId = clusterGroupIds(options.config)[options.group];
    this.clock = options.clock ?? systemClock;
    this.log = options.logger.child({ component: 'distributed.listener-ownership', groupId: this.groupId });
    this.events = new TypedEmitter<ListenerOwnershipEvents>(this.log);
    this.influencers = [...new Set(options.influencers)];
  }

  owned(): ReadonlySet<string> {
    return this.current;
  }

  onChange(listener: (owned: ReadonlySet<string>) => void): void {
    this.listeners.push(listener);
  }

  /** The tracked influencer list changed (added/removed): recompute and notify if ours changed. */
  setInfluencers(ids: Iterable<string>): void {
    this.influencers = [...new Set(ids)];
    this.recompute(true);
  }

  /** Who this member is, in its join metadata (read by `ingest cluster status`). */
  advertise(advert: MemberAdvert): void {
    this.advert = advert;
  }

  async start(): Promise<void> {
    if (this.consumer || this.closed) return;
    const { kafka, config } = this.options;
    const consumer = await groupConsumer(kafka, config, {
      topic: this.cfg.topic,
      groupId: this.groupId,
      group: this.cfg,
      held: () => this.assigned,
      advert: () => this.advert,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.REBALANCING, () => {
      this.rebalanceStartedAt ??= this.clock.now();
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.memberId = e.payload.memberId;
      this.onAssigned(e.payload.memberAssignment[this.cfg.topic] ?? []);
    });
    consumer.on(consumer.events.CRASH, (e) =>
      this.log.error({ err: e.payload.error, restart: e.payload.restart }, 'coordination consumer crashed'),
    );
    await connectAndSubscribe(consumer, {
      topic: this.cfg.topic,
      fromBeginning: false,
      closing: () => this.closed !== null,
    });
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
  }

  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  status(): ListenerOwnershipStatus {
    return {
      group: this.options.group,
      groupId: this.groupId,
      memberId: this.memberId,
      partitions: [...this.assigned],
      owned: this.current.size,
      influencers: this.influencers.length,
      rebalances: this.rebalances,
      lastRebalancePauseMs: this.lastRebalancePauseMs,
    };
  }

  private onAssigned(partitions: readonly number[]): void {
    this.assigned = [...partitions].sort((a, b) => a - b);
    const pauseMs = this.rebalanceStartedAt === null ? null : this.clock.now() - this.rebalanceStartedAt;
    this.rebalanceStartedAt = null;
    this.rebalances += 1;
    if (pauseMs !== null) this.lastRebalancePauseMs = pauseMs;
    this.recompute(false);
    this.log.info(
      { partitions: this.assigned, owned: this.current.size, pauseMs },
      'listener partitions assigned',
    );
    this.events.emit('assigned', { partitions: this.assigned, owned: this.current.size, pauseMs });
    this.notify();
  }

  /** Recomputes the owned set; with `notifyIfChanged`, calls listeners when it changed. */
  private recompute(notifyIfChanged: boolean): void {
    const mine = new Set(this.assigned);
    const next = new Set(
      this.influencers.filter((id) => mine.has(influencerPartition(id, this.cfg.partitions))),
    );
    const changed = next.size !== this.current.size || [...next].some((id) => !this.current.has(id));
    this.current = next;
    if (changed && notifyIfChanged) this.notify();
  }

  private notify(): void {
    for (const fn of this.listeners) {
      try {
        fn(this.current);
      } catch (err) {
        this.log.warn({ err }, 'ownership listener threw');
      }
    }
  }

  private async doClose(): Promise<void> {
    const consumer = this.consumer;
    if (consumer) await consumer.disconnect();
    this.assigned = [];
    this.current = new Set();
  }
}

/** Factory the composition root calls for a `listeners` process (one per process, its group). */
export function createKafkaListenerOwnership(options: KafkaListenerOwnershipOptions): KafkaListenerOwnership {
  return new KafkaListenerOwnership(options);
}
