/**
 * The DurableQueue's options (each documented with its default), events and reports, kept
 * apart from the queue's mechanics so the contract reads on one screen.
 */
import type { Clock, Logger, RetryPolicy } from '../core/index.js';

export type QueueMode = 'memory' | 'spill';
export type OverflowPolicy = 'block' | 'shed';
export type EnqueueOutcome = 'accepted' | 'shed';
/**
 * What the spool did when a record was shed: `none` (the queue has no spool), `full`
 * (maxSpoolBytes reached), `failing` (its last write failed), `behind` (spilling, but the
 * writer had not yet moved enough of memory to disk), `idle` (not spilling: the spill
 * threshold is at or above the memory bound).
 */
export type ShedSpoolState = 'none' | 'full' | 'failing' | 'behind' | 'idle';

export interface DurableQueueOptions<T> {
  /** Used in logs, events and error messages (e.g. `signals`, `raw-events`, `dead-letters`). */
  readonly name: string;
  /** Deliver one batch to the sink; resolve only when the sink acknowledged all of it. */
  readonly deliver: (batch: readonly T[]) => Promise<void>;
  /** Spool directory; null/undefined = memory only (records in memory are lost on a hard exit). */
  readonly spoolDir?: string | null;
  /** Record <-> spool text. Default JSON. The text must not contain a newline (JSON never does). */
  readonly encode?: (record: T) => string;
  readonly decode?: (text: string) => T;
  /**
   * Records waiting in memory before enqueue() waits (or sheds); the batch the sink is taking
   * from memory is not counted. Default: the schema's sinks.spool.memoryRecords.
   */
  readonly maxMemoryRecords?: number;
  /**
   * Records waiting (the batch being sent not counted) that switch the queue to the spool, even
   * mid-send. Default maxMemoryRecords / 2.
   */
  readonly spillThreshold?: number;
  /** Records per sink call. Default 500. */
  readonly maxBatchRecords?: number;
  /**
   * In memory mode, how long a batch short of maxBatchRecords waits for more records before it
   * is sent (like Kafka's linger.ms), for sinks that want few large writes. Never applied to
   * the re-sends that isolate a refused record, nor while closing. Default 0.
   */
  readonly lingerMs?: number;
  /** Spool bytes past which the spool stops growing (then backpressure or shedding). Default: sinks.spool.maxBytes. */
  readonly maxSpoolBytes?: number;
  /** Spool segment size. Default 8 MiB. */
  readonly segmentBytes?: number;
  /** What enqueue() does when memory (and spool) are full. Default `block`; `shed` drops and counts. */
  readonly overflow?: OverflowPolicy;
  /** Backoff between delivery attempts. After maxAttempts the queue reports `stalled` and keeps trying at maxDelayMs. */
  readonly retryPolicy?: RetryPolicy;
  /**
   * Where a record goes that the sink refuses for good (deliver rejects with a non-retriable
   * SINK_RECORD_REJECTED SinkError). The queue splits the refused batch in halves, in order,
   * down to the one record, and awaits this hand-off before moving past it; a hand-off that
   * throws is retried with `retryPolicy`'s backoff. Default none: such a batch is retried like
   * any failure, and the queue stalls on it.
   */
  readonly onPoison?: (record: T, error: unknown) => Promise<void>;
  /**
   * At most this many hand-offs per minute; more means the sink refuses everything (a schema
   * or topic problem, not poison), and the queue backs off and stalls instead. Default: sinks.poisonMaxPerMinute.
   */
  readonly maxPoisonPerMinute?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly random?: () => number;
}

export interface DurableQueueEvents<T> {
  /** `at`: when the sink acknowledged them (ms, the queue's clock). */
  delivered: { readonly records: readonly T[]; readonly fromSpool: boolean; readonly at: number };
  spilled: { readonly count: number };
  shed: { readonly count: number; readonly record: T; readonly spool: ShedSpoolState };
  deliveryFailed: { readonly attempt: number; readonly delayMs: number; readonly error: unknown };
  stalled: { readonly attempts: number; readonly error: unknown };
  /** A record the sink refuses for good was handed to onPoison (and is not delivered). */
  poisoned: { readonly record: T; readonly error: unknown };
  corrupt: { readonly count: number };
  recovered: { readonly records: number; readonly bytes: number; readonly segments: number };
  mode: { readonly mode: QueueMode; readonly reason: string };
  spoolError: { readonly error: unknown };
}

/** Whether a queue can move records out of memory; see DurableQueue.health(). */
export interface QueueHealth {
  readonly mode: QueueMode;
  /** The last delivery attempt succeeded (or none failed yet) and the delivery loop runs. */
  readonly canDeliver: boolean;
  /** A spool exists, its last write succeeded, and it is below maxSpoolBytes. */
  readonly canSpool: boolean;
  /** What is failing, in words (absent when nothing is). */
  readonly detail?: string;
}

export interface QueueStats {
  readonly mode: QueueMode;
  /** Records held in memory (buffered, in flight or waiting to be spooled). */
  readonly depth: number;
  readonly spoolRecords: number;
  readonly spoolBytes: number;
  readonly delivered: number;
  readonly shed: number;
  readonly spilled: number;
  readonly corrupt: number;
  readonly failures: number;
  /** Records the sink refused for good, handed to onPoison. */
  readonly poisoned: number;
}

export interface CloseReport {
  /** Records still undelivered at close and now in the spool (delivered by the next process). */
  readonly spooled: number;
  /** Records lost because the queue has no spool and the sink did not take them in time. */
  readonly lost: number;
}
