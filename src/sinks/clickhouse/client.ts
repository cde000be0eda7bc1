/**
 * The only file that touches @clickhouse/client. It narrows the client to what the raw store
 * and the migration runner call (ClickHouseLike), so the store's batching logic is tested with
 * a fake and the HTTP client could be swapped here alone. Works against 18.16 (no query
 * parameters are used; values are inlined by sql.ts).
 */
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { SinkError } from '../../core/index.js';
import type { SqlExecutor } from './migrations.js';
import { jsonEachRowSlices } from './row-slices.js';

export interface ClickHouseLike extends SqlExecutor {
  /** CREATE DATABASE IF NOT EXISTS for the configured database (optional for fakes). */
  ensureDatabase?(): Promise<void>;
  insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  streamRows(sql: string): AsyncIterable<Record<string, unknown>>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface ClickHouseConnectionOptions {
  /** e.g. http://127.0.0.1:8123 */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Default `default`. */
  readonly database?: string;
  /** Per-request timeout. Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
}

/** Database names we create: a plain identifier, so it can be inlined safely. */
const DATABASE_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function httpClickHouse(options: ClickHouseConnectionOptions): ClickHouseLike {
  const database = options.database ?? 'default';
  if (!DATABASE_RE.test(database)) {
    throw new SinkError(
      'SINK_WRITE',
      `clickhouse database name ${JSON.stringify(database)} is not a plain identifier`,
    );
  }
  const connect = (db: string) =>
    createClient({
      url: options.url,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      database: db,
      request_timeout: options.requestTimeoutMs ?? 30_000,
      // The client would print every failed request to the console; failures reach us as thrown
      // errors, which the store and the DurableQueue log through our logger.
      log: { level: ClickHouseLogLevel.OFF },
    });
  const client = connect(database);
  return {
    async ensureDatabase() {
      // A request naming a database that does not exist fails, so create it from `default`.
      const admin = connect('default');
      try {
        await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
      } finally {
        await admin.close();
      }
    },
    async command(sql) {
      await client.command({ query: sql });
    },
    async queryRows(sql) {
      const rs = await client.query({ query: sql, format: 'JSONEachRow' });
      return rs.json<Record<string, unknown>>();
    },
    async insertRows(table, rows) {
      if (rows.length === 0) return;
      // Our own body, encoded a slice per turn (row-slices.ts says why): `insert` with an array
      // encodes every row in one go, and with an object stream writes each row to the socket.
      const r = await client.exec({
        query: `INSERT INTO ${table} FORMAT JSONEachRow`,
        values: jsonEachRowSlices(rows),
      });
      // The response carries nothing for an insert; reading it to the end frees the socket.
      for await (const _ of r.stream);
    },
    async *streamRows(sql) {
      const rs = await client.query({ query: sql, format: 'JSONEachRow' });
      for await (const rows of rs.stream<Record<string, unknown>>()) {
        for (const row of rows) yield row.json();
      }
    },
    async ping() {
      try {
        return (await client.ping()).success;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}
