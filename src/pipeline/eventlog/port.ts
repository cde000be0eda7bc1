/**
 * The EventLog port (M0 §9): an append-only log of normalized events, ordered per partition,
 * with offsets, replay from an offset or a time, and idempotent appends keyed by event_id (a
 * replayed event is acknowledged with its original position and written nowhere). The file
 * adapter is the local/dev backend; the NATS JetStream, Postgres and Kafka adapters (issue #15)
 * implement the same port and pass the same conformance suite.
 *
 * Retention only ever removes a prefix of a partition (offsets never move): by time, the records
 * before the first one whose event time reaches now − maxAgeMs; by size, the oldest records
 * until the rest's payload bytes fit maxBytes. A backend that deletes in segments may keep up
 * to one segment more than the policy asks, never less.
 */

export interface AppendRequest {
  /** partition_key of the envelope: market_id or market_id#n. */
  readonly partition: string;
  /** 64 hex; the idempotency key. */
  readonly eventId: string;
  /** event_time_ms; drives replay-from-time. */
  readonly timestampMs: number;
  /** The encoded envelope. */
  readonly bytes: Uint8Array;
}

export interface AppendResult {
  readonly partition: string;
  /** The record's offset; for a duplicate, -1 (the original's offset is not looked up). */
  readonly offset: number;
  /** The event id was already in the log: nothing was written. */
  readonly duplicate: boolean;
}

export interface LogRecord {
  readonly partition: string;
  readonly offset: number;
  readonly eventId: string;
  readonly timestampMs: number;
  readonly bytes: Uint8Array;
}

export interface ReadOptions {
  /** First offset to return (default 0). */
  readonly fromOffset?: number;
  /** Upper bound on records returned (default 1000). */
  readonly maxRecords?: number;
}

export interface RetentionPolicy {
  /** Drop records whose event time is older than now − maxAgeMs (as a prefix, see above). */
  readonly maxAgeMs?: number;
  /** Keep at most this many payload bytes per partition (the newest ones). */
  readonly maxBytes?: number;
}

export interface EventLog {
  /** Appends in order; records of one partition keep their relative order. */
  append(batch: readonly AppendRequest[]): Promise<readonly AppendResult[]>;
  /** Records from `fromOffset` in offset order; fewer than asked (or none) at the end. */
  read(partition: string, options?: ReadOptions): Promise<readonly LogRecord[]>;
  /**
   * The first offset from which every record with timestamp ≥ `timestampMs` is found (no record
   * before it has such a timestamp). Reading from there and skipping older records replays "from a time".
   */
  offsetForTime(partition: string, timestampMs: number): Promise<number>;
  partitions(): Promise<readonly string[]>;
  /** The next offset to be written (= record count) of a partition; 0 when unknown. */
  endOffset(partition: string): Promise<number>;
  /** The first offset still stored (after retention); equals endOffset when nothing is left. */
  startOffset(partition: string): Promise<number>;
  /** Applies a retention policy to every partition now (`nowMs` from the caller's clock). */
  applyRetention(policy: RetentionPolicy, nowMs: number): Promise<void>;
  /** Makes every acknowledged append durable. */
  flush(): Promise<void>;
  /** Flushes and releases files/connections. Idempotent. */
  close(): Promise<void>;
}
