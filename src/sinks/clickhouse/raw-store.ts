/**
 * The ClickHouse implementation of RawEventStore and RawEventReader. ClickHouse wants few large
 * inserts, so insert() buffers: a batch goes out when it reaches `maxBatchRows` or
 * `maxBatchDelayMs` after its first row, whichever comes first; every caller whose rows were in
 * it is resolved (or rejected, to retry) with that insert. The schema is migrated before the
 * first insert or read (not in the constructor), so a ClickHouse that is down at start-up is a
 * retriable sink failure the DurableQueue absorbs, not a crash. An insert ClickHouse refuses
 * because of the rows themselves (errors.ts) rejects with a non-retriable SINK_RECORD_REJECTED,
 * so the queue isolates the bad row instead of re-sending the batch forever.
 */
import { SinkError, errorMessage, silentLogger, systemClock } from '../../core/index.js';
import type { Clock, Logger, RawEvent, TimerHandle } from '../../core/index.js';
import { TypedEmitter } from '../../core/index.js';
import { CONFIG_DEFAULTS } from '../../config/index.js';
import type { RawEventReader, RawEventStore, ReplayQuery } from '../ports.js';
import type { ClickHouseLike } from './client.js';
import { clickHouseExceptionCode, isBadDataError } from './errors.js';
import { applyMigrations, loadMigrations } from './migrations.js';
import type { Migration } from './migrations.js';
import { RAW_EVENTS_TABLE, fromRow, identifier, replaySql, toRow } from './sql.js';
import type { RawEventRow } from './sql.js';

export interface ClickHouseRawStoreOptions {
  readonly client: ClickHouseLike;
  /** Default `raw_events` (the table the migrations create). */
  readonly table?: string;
  /** Rows per insert; a full batch is sent at once. Default: the schema's sinks.clickhouse.batch.maxRows. */
  readonly maxBatchRows?: number;
  /**
   * Longest a row waits for its batch to fill. Default: sinks.clickhouse.batch.maxIntervalMs. 0 sends every insert() at once:
   * for a caller that batches itself (the app's DurableQueue lingers instead, so the re-sends
   * that isolate a refused row do not each wait for a batch).
   */
  readonly maxBatchDelayMs?: number;
  /** Apply contracts/clickhouse migrations before first use. Default true. */
  readonly migrate?: boolean;
  /** Override the migrations (tests). Default: loaded from contracts/clickhouse. */
  readonly migrations?: readonly Migration[];
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export interface RawStoreEvents {
  inserted: { readonly rows: number; readonly durationMs: number };
  insertFailed: { readonly rows: number; readonly error: unknown };
}

interface Pending {
  readonly rows: RawEventRow[];
  readonly waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

export class ClickHouseRawEventStore implements RawEventStore, RawEventReader {
  readonly events: TypedEmitter<RawStoreEvents>;
  private pending: Pending = { rows: [], waiters: [] };
  private timer: TimerHandle | null = null;
  private chain: Promise<void> = Promise.resolve();
  private schema: Promise<void> | null = null;
  private closed: Promise<void> | null = null;
  private readonly table: string;
  private readonly maxBatchRows: number;
  private readonly maxBatchDelayMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: ClickHouseRawStoreOptions) {
    this.table = identifier(options.table ?? RAW_EVENTS_TABLE);
    this.maxBatchRows = options.maxBatchRows ?? CONFIG_DEFAULTS.sinks.clickhouse.batch.maxRows;
    this.maxBatchDelayMs = options.maxBatchDelayMs ?? CONFIG_DEFAULTS.sinks.clickhouse.batch.maxIntervalMs;
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ component: 'sink.clickhouse', table: this.table });
    this.events = new TypedEmitter(this.logger);
  }

  /** Resolves when these events are stored (after their batch's insert). */
  insert(events: readonly RawEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new SinkError('SINK_UNAVAILABLE', 'raw event store is closed'));
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      for (const e of events) this.pending.rows.push(toRow(e));
      this.pending.waiters.push({ resolve, reject });
      if (this.pending.rows.length >= this.maxBatchRows || this.maxBatchDelayMs === 0) this.flushNow();
      else this.timer ??= this.clock.setTimeout(() => this.flushNow(), this.maxBatchDelayMs);
    });
  }

  /** Send whatever is buffered now; resolves when that insert finished (ok or not). */
  flush(): Promise<void> {
    this.flushNow();
    return this.chain;
  }

  async *replay(query: ReplayQuery): AsyncIterable<RawEvent> {
    await this.ensureSchema();
    for await (const row of this.options.client.streamRows(replaySql(query, this.table))) yield fromRow(row);
  }

  /** Migrate now (otherwise done lazily before the first insert or replay). */
  ensureSchema(): Promise<void> {
    if (this.options.migrate === false) return Promise.resolve();
    this.schema ??= (async () => {
      await this.options.client.ensureDatabase?.();
      const migrations = this.options.migrations ?? (await loadMigrations());
      await applyMigrations(this.options.client, migrations, { logger: this.logger, clock: this.clock });
    })().catch((cause: unknown) => {
      this.schema = null; // try again next time
      throw new SinkError('SINK_UNAVAILABLE', `clickhouse migrations failed: ${errorMessage(cause)}`, {
        cause,
        retriable: true,
      });
    });
    return this.schema;
  }

  ping(): Promise<boolean> {
    return this.options.client.ping();
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.flush();
      await this.options.client.close();
    })();
    return this.closed;
  }

  private flushNow(): void {
    this.timer?.cancel();
    this.timer = null;
    const batch = this.pending;
    if (batch.rows.length === 0) return;
    this.pending = { rows: [], waiters: [] };
    this.chain = this.chain.then(() => this.write(batch));
  }

  private async write(batch: Pending): Promise<void> {
    const started = this.clock.now();
    try {
      await this.ensureSchema();
      for (let i = 0; i < batch.rows.length; i += this.maxBatchRows) {
        await this.options.client.insertRows(this.table, batch.rows.slice(i, i + this.maxBatchRows));
      }
    } catch (cause) {
      const error =
        cause instanceof SinkError
          ? cause
          : isBadDataError(cause)
            ? new SinkError('SINK_RECORD_REJECTED', `clickhouse refuses a row: ${errorMessage(cause)}`, {
                cause,
                retriable: false,
                context: { table: this.table, code: clickHouseExceptionCode(cause) },
              })
            : new SinkError('SINK_WRITE', `clickhouse insert failed: ${errorMessage(cause)}`, {
                cause,
                retriable: true,
              });
      this.events.emit('insertFailed', { rows: batch.rows.length, error });
      for (const w of batch.waiters) w.reject(error);
      return;
    }
    this.events.emit('inserted', { rows: batch.rows.length, durationMs: this.clock.now() - started });
    for (const w of batch.waiters) w.resolve();
  }
}
