/**
 * The Postgres EventLog adapter (issue #15): one append table per log with a unique event_id,
 * primary key (partition, offset) for replay by offset and an index on (partition, ts_ms) for
 * replay by time; a small heads table holds each partition's next offset. An append locks the
 * heads rows of its partitions (sorted, so two writers never deadlock), drops ids already stored,
 * then inserts with ON CONFLICT (event_id) DO NOTHING: offsets stay consecutive per partition and
 * writing the same events again stores nothing, also across writers and restarts.
 */
import pg from 'pg';
import { SinkError } from '../../core/index.js';
import type {
  AppendRequest,
  AppendResult,
  EventLog,
  LogRecord,
  ReadOptions,
  RetentionPolicy,
} from './port.js';
import { retentionCutoff } from './retention.js';

export interface PostgresEventLogOptions {
  /** postgres://user@host:port/db */
  readonly url: string;
  /** Table name (letters, digits, underscores); `<table>_heads` is created next to it. */
  readonly table: string;
  readonly poolSize: number;
}

export class PostgresEventLog implements EventLog {
  private closed = false;
  private readonly t: string;
  private readonly h: string;

  private constructor(
    private readonly pool: pg.Pool,
    table: string,
  ) {
    this.t = `"${table}"`;
    this.h = `"${table}_heads"`;
  }

  /** Connects and creates the tables and indexes if missing. */
  static async open(o: PostgresEventLogOptions): Promise<PostgresEventLog> {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,50}$/.test(o.table)) {
      throw new SinkError('SINK_WRITE', `postgres event log table '${o.table}' is not a plain identifier`);
    }
    const pool = new pg.Pool({ connectionString: o.url, max: o.poolSize });
    pool.on('error', () => undefined); // an idle client's error surfaces on the next query
    const log = new PostgresEventLog(pool, o.table);
    try {
      await pool.query(`
        CREATE TABLE IF NOT EXISTS ${log.t} (
          partition text NOT NULL,
          "offset" bigint NOT NULL,
          event_id text NOT NULL UNIQUE,
          ts_ms bigint NOT NULL,
          bytes bytea NOT NULL,
          PRIMARY KEY (partition, "offset"));
        CREATE INDEX IF NOT EXISTS "${o.table}_time" ON ${log.t} (partition, ts_ms);
        CREATE TABLE IF NOT EXISTS ${log.h} (partition text PRIMARY KEY, next_offset bigint NOT NULL);`);
    } catch (cause) {
      await pool.end().catch(() => undefined);
      throw new SinkError('SINK_UNAVAILABLE', `postgres event log: cannot prepare table ${o.table}`, {
        cause,
        retriable: true,
      });
    }
    return log;
  }

  async append(batch: readonly AppendRequest[]): Promise<readonly AppendResult[]> {
    this.assertOpen();
    const results = new Array<AppendResult>(batch.length);
    const groups = new Map<string, number[]>();
    batch.forEach((r, i) => {
      const g = groups.get(r.partition);
      if (g === undefined) groups.set(r.partition, [i]);
      else g.push(i);
    });
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const names = [...groups.keys()].sort();
      await client.query(
        `INSERT INTO ${this.h} (partition, next_offset) SELECT unnest($1::text[]), 0 ON CONFLICT DO NOTHING`,
        [names],
      );
      const heads = await client.query<{ partition: string; next_offset: string }>(
        `SELECT partition, next_offset FROM ${this.h} WHERE partition = ANY($1) ORDER BY partition FOR UPDATE`,
        [names],
      );
      const stored = await client.query<{ event_id: string }>(
        `SELECT event_id FROM ${this.t} WHERE event_id = ANY($1)`,
        [batch.map((r) => r.eventId)],
      );
      const seen = new Set(stored.rows.map((r) => r.event_id));
      for (const head of heads.rows) {
        let next = Number(head.next_offset);
        const first = next;
        const cols = {
          offset: [] as number[],
          id: [] as string[],
          ts: [] as number[],
          bytes: [] as Buffer[],
        };
        for (const i of groups.get(head.partition) ?? []) {
          const r = batch[i] as AppendRequest;
          if (seen.has(r.eventId)) {
            results[i] = { partition: r.partition, offset: -1, duplicate: true };
            continue;
          }
          seen.add(r.eventId); // a repeat inside the same batch is a duplicate too
          results[i] = { partition: r.partition, offset: next, duplicate: false };
          cols.offset.push(next++);
          cols.id.push(r.eventId);
          cols.ts.push(r.timestampMs);
          cols.bytes.push(Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength));
        }
        if (next === first) continue;
        await client.query(
          `INSERT INTO ${this.t} (partition, "offset", event_id, ts_ms, bytes)
           SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bytea[])
           ON CONFLICT (event_id) DO NOTHING`,
          [head.partition, cols.offset, cols.id, cols.ts, cols.bytes],
        );
        await client.query(`UPDATE ${this.h} SET next_offset = $2 WHERE partition = $1`, [
          head.partition,
          next,
        ]);
      }
      await client.query('COMMIT');
      return results;
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new SinkError('SINK_WRITE', 'postgres event log append failed', { cause, retriable: true });
    } finally {
      client.release();
    }
  }

  async read(partition: string, options: ReadOptions = {}): Promise<readonly LogRecord[]> {
    this.assertOpen();
    const res = await this.pool.query<{ offset: string; event_id: string; ts_ms: string; bytes: Buffer }>(
      `SELECT "offset", event_id, ts_ms, bytes FROM ${this.t}
       WHERE partition = $1 AND "offset" >= $2 ORDER BY "offset" LIMIT $3`,
      [partition, options.fromOffset ?? 0, options.maxRecords ?? 1000],
    );
    return res.rows.map((r) => ({
      partition,
      offset: Number(r.offset),
      eventId: r.event_id,
      timestampMs: Number(r.ts_ms),
      bytes: r.bytes,
    }));
  }

  async offsetForTime(partition: string, timestampMs: number): Promise<number> {
    this.assertOpen();
    const res = await this.pool.query<{ o: string | null }>(
      `SELECT min("offset") AS o FROM ${this.t} WHERE partition = $1 AND ts_ms >= $2`,
      [partition, timestampMs],
    );
    const o = res.rows[0]?.o;
    return o === null || o === undefined ? this.endOffset(partition) : Number(o);
  }

  async partitions(): Promise<readonly string[]> {
    this.assertOpen();
    const res = await this.pool.query<{ partition: string }>(
      `SELECT partition FROM ${this.h} ORDER BY partition`,
    );
    return res.rows.map((r) => r.partition);
  }

  async endOffset(partition: string): Promise<number> {
    this.assertOpen();
    const res = await this.pool.query<{ next_offset: string }>(
      `SELECT next_offset FROM ${this.h} WHERE partition = $1`,
      [partition],
    );
    return Number(res.rows[0]?.next_offset ?? 0);
  }

  async startOffset(partition: string): Promise<number> {
    this.assertOpen();
    const res = await this.pool.query<{ o: string | null }>(
      `SELECT min("offset") AS o FROM ${this.t} WHERE partition = $1`,
      [partition],
    );
    const o = res.rows[0]?.o;
    return o === null || o === undefined ? this.endOffset(partition) : Number(o);
  }

  async applyRetention(policy: RetentionPolicy, nowMs: number): Promise<void> {
    for (const p of await this.partitions()) {
      const cut = await retentionCutoff(this, p, policy, nowMs);
      await this.pool.query(`DELETE FROM ${this.t} WHERE partition = $1 AND "offset" < $2`, [p, cut]);
    }
  }

  /** Every append committed before it resolved: nothing to do. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private assertOpen(): void {
    if (this.closed) throw new SinkError('SINK_UNAVAILABLE', 'postgres event log is closed');
  }
}
