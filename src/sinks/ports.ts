/**
 * The narrow ports the sinks expose to the composition root. Nothing here names kafkajs or
 * @clickhouse/client: adapters (src/sinks/kafka, src/sinks/clickhouse, src/sinks/local)
 * implement these, and only src/app wires a concrete one. Each port holds only the methods
 * the pipeline calls, so a sink can be swapped (e.g. kafkajs for another client) in one file.
 */
import type { DeadLetter, RawEvent, TypedEmitter } from '../core/index.js';
import type {
  CloseReport,
  DurableQueueEvents,
  EnqueueOutcome,
  QueueHealth,
  QueueStats,
} from './durable-queue-options.js';

/**
 * One already-serialized signal. The composition root maps Signal -> SinkRecord, so the sinks
 * never depend on the positions stage.
 */
export interface SinkRecord {
  /** signalId: consumers dedupe on it; also used for metrics. */
  readonly id: string;
  /** Partition key, e.g. `${influencerId}|${market}`: all records of a key stay in order. */
  readonly key: string;
  /** The JSON text of the signal. */
  readonly value: string;
  /** schema-version, content-type, trace-id, ... (string values only). */
  readonly headers: Readonly<Record<string, string>>;
  /** Creation time in ms, for end-to-end latency. */
  readonly createdAt: number;
}

/** Answers /ready: can the sink be reached right now? Never throws. */
export interface HealthProbe {
  ping(): Promise<boolean>;
}

export interface SignalPublisher extends HealthProbe {
  /** Resolves once every record is acknowledged (in order); rejects (SinkError) otherwise. */
  publish(records: readonly SinkRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface RawEventStore extends HealthProbe {
  /** Resolves once every event is stored; rejects (SinkError) otherwise. */
  insert(events: readonly RawEvent[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * What the pipeline holds a sink by: a strict FIFO in front of it that acknowledges records by
 * event. Two adapters: DurableQueue (in this thread) and ThreadedQueue (a DurableQueue and its
 * sink on a worker thread, so the sink's I/O is not held up by the pipeline's own work).
 */
export interface RecordQueue<T> {
  readonly events: TypedEmitter<DurableQueueEvents<T>>;
  /** Records held in memory. */
  readonly depth: number;
  /** Resolves `accepted`, or `shed` under `overflow: 'shed'` (also a `shed` event); waits while full. */
  enqueue(record: T): Promise<EnqueueOutcome>;
  /** Resolves when enqueue() would accept a record without waiting. */
  whenWritable(): Promise<void>;
  /** Resolves when everything enqueued so far was delivered; rejects with TimeoutError. */
  flush(timeoutMs?: number): Promise<void>;
  /** Deliver what can be within `timeoutMs`, spool the rest. Idempotent. */
  close(timeoutMs?: number): Promise<CloseReport>;
  stats(): QueueStats;
  health(): QueueHealth;
}

/** Replay filter: one influencer, optionally one market, half-open time range [fromMs, toMs). */
export interface ReplayQuery {
  readonly influencerId: string;
  readonly market?: string | undefined;
  /** Inclusive lower bound on event_time (ms). Default 0. */
  readonly fromMs?: number | undefined;
  /** Exclusive upper bound on event_time (ms). Default: no bound. */
  readonly toMs?: number | undefined;
  /** Only these event types (e.g. ['fill']). Default: all but `dead_letter`. */
  readonly eventTypes?: readonly string[] | undefined;
}

/** Reads stored raw events back, de-duplicated, in event_time order (ties by event id). */
export interface RawEventReader {
  replay(query: ReplayQuery): AsyncIterable<RawEvent>;
}

export interface DeadLetterPublisher extends HealthProbe {
  publish(letters: readonly DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}
