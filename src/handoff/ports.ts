/**
 * The ports between the listener tier and the processing tier (issue #17).
 *
 * The hand-off sits between the listeners and the fan-in:
 *   listeners --(HandoffSink)--> [in-process | Kafka bronze topic] --(HandoffSource)--> fan-in
 * In-process (the embedded default, role `all`) must cost nothing: publish() calls straight
 * into the fan-in. Kafka (roles `listeners` / `processor`): topic `ingestion.hyperliquid.raw.v1`,
 * keyed by influencerId, so one influencer's records stay in order on one partition.
 */
import type { FillEvent } from '../core/index.js';

/** Fills as one listener received them (one frame / one REST backfill page). */
export interface HandoffFills {
  readonly kind: 'fills';
  readonly influencerId: string;
  /** e.g. `inf-42/primary`; the fan-in's first-arrival-wins and failover metrics need it. */
  readonly listenerId: string;
  /** Local receipt time (ms) at the listener process, for lag and end-to-end latency. */
  readonly receivedAt: number;
  readonly fills: readonly FillEvent[];
}

/** A position snapshot a listener fetched or was pushed (seeding and reconcile). */
export interface HandoffPositions {
  readonly kind: 'positions';
  readonly influencerId: string;
  readonly listenerId: string;
  readonly receivedAt: number;
  readonly user: string;
  /** As-of time of the snapshot (ms). */
  readonly time: number;
  /** Signed size by coin, as exact decimal strings. */
  readonly positions: Readonly<Record<string, string>>;
  /** Perp dexes covered ('' = main dex); absent = all. */
  readonly dexes?: readonly string[];
}

/**
 * A listener's health as its own process reads it (distributed mode only). The listener
 * processes publish it on each change and every `distributed.listenerStateIntervalMs`, so the
 * processor, which runs no listeners, can flag signals while one of an influencer's two
 * listeners is unhealthy or silent (quality.degradedListener).
 */
export interface HandoffListenerState {
  readonly kind: 'listener-state';
  readonly influencerId: string;
  readonly listenerId: string;
  /** When the state was read at the listener process (ms). */
  readonly receivedAt: number;
  /** The slot: the primary (group A) or the secondary (group B). */
  readonly role: 'primary' | 'secondary';
  /** Subscribed and receiving, not degraded. */
  readonly healthy: boolean;
  /** The listener's state in words (`subscribed`, `reconnecting (stall)`, ...). */
  readonly state: string;
}

export type HandoffRecord = HandoffFills | HandoffPositions | HandoffListenerState;

/** Listener side. publish() never blocks a listener and never throws on transport trouble. */
export interface HandoffSink {
  publish(record: HandoffRecord): void;
  /** Resolves when everything published so far is durable (Kafka: acked). Used at shutdown. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Processor side. Deliveries arrive in order per influencer. `ack()` is called by the
 * processor once every signal derived from the delivery was acknowledged by the signal sink;
 * only then may the adapter commit the offsets it covers (in order per partition).
 */
export interface HandoffDelivery {
  readonly records: readonly HandoffRecord[];
  ack(): void;
  /**
   * Durable hand-offs only: the partition it was read from and the generation in which this
   * process gained that partition (a new number each time it is gained, the same while kept).
   * A change tells the processor another process may have owned these influencers meanwhile.
   */
  readonly origin?: { readonly partition: number; readonly generation: number };
}

export interface HandoffSource {
  /** Durable hand-offs: who this member is, for `ingest cluster status` (call before start). */
  advertise?(advert: MemberAdvert): void;
  start(onDelivery: (delivery: HandoffDelivery) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a distributed process tells its consumer group about itself (carried in the group's
 * join metadata, so Kafka's own group description lists it): where its ops server answers and
 * what it is. `ingest cluster status` reads it to find every member's /status.json.
 */
export interface MemberAdvert {
  /** Base URL of the process's ops server as other hosts reach it (`http://10.0.3.7:9464`). */
  readonly opsUrl: string;
  readonly role: ProcessRole;
  readonly listenerGroup?: ListenerGroup;
  readonly host: string;
  readonly pid: number;
}

/**
 * Listener-group membership (Kafka consumer group over a small coordination topic, one per
 * group A/B). Influencers map to coordination-topic partitions by a stable hash of their id;
 * the influencers this process should listen to are those whose partition it is assigned.
 */
export interface ListenerOwnership {
  /** Current owned influencer ids (empty until the first assignment). */
  owned(): ReadonlySet<string>;
  /** Called after each (re)assignment with the new owned set. */
  onChange(listener: (owned: ReadonlySet<string>) => void): void;
  /**
   * The tracked influencer ids (every process sees the same list): owned() is the part of it
   * whose partitions are assigned here. The App calls it at start and after each change.
   */
  setInfluencers?(ids: Iterable<string>): void;
  /** Who this member is, for `ingest cluster status` (call before start). */
  advertise?(advert: MemberAdvert): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Roles of `ingest run --role`. */
export type ProcessRole = 'all' | 'listeners' | 'processor';
/** Listener group of a `listeners` process: A runs primaries, B runs secondaries. */
export type ListenerGroup = 'A' | 'B';
