/**
 * The EventLog port (M0 §9): an append-only log of normalized events, ordered per partition,
 * with offsets, replay from an offset or a time, and idempotent appends keyed by event_id (a
 * replayed event is acknowledged with its original position and written nowhere). The file
 * adapter here is the local/dev backend; Kafka, NATS and Postgres adapters (issue #15)
 * implement the same port and pass the same conformance suite.
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
  /** Makes every acknowledged append durable. */
  flush(): Promise<void>;
  /** Flushes and releases files/connections. Idempotent. */
  close(): Promise<void>;
}
