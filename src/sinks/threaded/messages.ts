/**
 * What the main thread and the sink thread say to each other (threaded-queue.ts and worker.ts).
 * Everything here survives structured cloning: errors travel as PlainError, records as they are.
 */
import type { GcPause } from './gc-pauses.js';
import type { RetryPolicy } from '../../core/index.js';
import type { KafkaConnection } from '../kafka/index.js';
import type { TopicCreation } from '../kafka/index.js';
import type { CloseReport, OverflowPolicy, QueueHealth, QueueStats } from '../durable-queue-options.js';
import type { RecordRef } from './wire.js';

/** The signal sink the thread builds. */
export type ThreadedSinkSpec =
  | {
      readonly kind: 'kafka';
      readonly connection: KafkaConnection;
      readonly topic: string;
      readonly createTopic: TopicCreation | false;
      readonly maxMessageBytes?: number | undefined;
    }
  | { readonly kind: 'local'; readonly path: string };

/** The DurableQueue the thread runs in front of it (its DurableQueueOptions that can be cloned). */
export interface ThreadedQueueSpec {
  readonly name: string;
  readonly spoolDir?: string | undefined;
  readonly maxMemoryRecords?: number | undefined;
  readonly spillThreshold?: number | undefined;
  readonly maxBatchRecords?: number | undefined;
  readonly lingerMs?: number | undefined;
  readonly maxSpoolBytes?: number | undefined;
  readonly overflow?: OverflowPolicy | undefined;
  readonly retryPolicy?: RetryPolicy | undefined;
  /** Refused records are handed to the main thread's onPoison (else retried like any failure). */
  readonly poison: boolean;
  readonly maxPoisonPerMinute?: number | undefined;
}

export interface PlainError {
  readonly name: string;
  readonly message: string;
  readonly code?: string | undefined;
  readonly retriable?: boolean | undefined;
  readonly context?: Record<string, unknown> | undefined;
  readonly stack?: string | undefined;
  /** A Node system error's own fields (code, syscall, path, errno), which startup-errors reads. */
  readonly system?: Readonly<Record<string, string | number>> | undefined;
}

export type ToWorker =
  | {
      readonly t: 'init';
      readonly sink: ThreadedSinkSpec;
      readonly queue: ThreadedQueueSpec;
      readonly logLevels: readonly string[];
    }
  /** Records numbered first, first + 1, ... in packRecords' flat form (wire.ts). */
  | { readonly t: 'records'; readonly first: number; readonly flat: readonly (string | number)[] }
  | {
      readonly t: 'call';
      readonly id: number;
      readonly op: 'flush' | 'close' | 'ping';
      readonly timeoutMs?: number | undefined;
    }
  | { readonly t: 'poisonDone'; readonly id: number; readonly error?: string | undefined };

/** The queue's state after each change, for the main thread's synchronous stats()/health()/depth. */
export interface WorkerState {
  /** Records taken from the main thread so far (for its estimate of the memory in use). */
  readonly received: number;
  readonly stats: QueueStats;
  readonly health: QueueHealth;
  readonly configError: string | null;
}

export type FromWorker =
  | { readonly t: 'ready'; readonly state: WorkerState }
  | { readonly t: 'initFailed'; readonly error: PlainError }
  | { readonly t: 'state'; readonly state: WorkerState }
  | {
      readonly t: 'event';
      readonly name: string;
      /**
       * The event's fields, plain; a record is named by reference (wire.ts): `refs` for
       * `delivered`'s records, `ref` for the record of `poisoned` and `shed`.
       */
      readonly payload: Record<string, unknown>;
      /** Sent with events that change what the main thread's stats() and depth report. */
      readonly state: WorkerState;
    }
  | {
      readonly t: 'reply';
      readonly id: number;
      readonly value?: boolean | CloseReport | undefined;
      readonly error?: PlainError | undefined;
    }
  | { readonly t: 'poison'; readonly id: number; readonly ref: RecordRef; readonly error: PlainError }
  | { readonly t: 'publishLatency'; readonly seconds: number }
  /** The thread's GC pauses since the last such message (gc-pauses.ts). */
  | { readonly t: 'gc'; readonly pauses: readonly GcPause[] }
  | {
      readonly t: 'log';
      readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
      readonly bindings: Record<string, unknown>;
      readonly obj: Record<string, unknown>;
      readonly msg?: string | undefined;
    };
