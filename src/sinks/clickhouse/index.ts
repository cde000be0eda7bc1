/**
 * ClickHouse adapters (@clickhouse/client over HTTP). Only the composition root imports this
 * file, so the client library never loads in a process that runs on the local sinks.
 */
import { httpClickHouse } from './client.js';
import type { ClickHouseConnectionOptions } from './client.js';
import { ClickHouseRawEventStore } from './raw-store.js';
import type { ClickHouseRawStoreOptions } from './raw-store.js';

export { ClickHouseRawEventStore } from './raw-store.js';
export type { ClickHouseRawStoreOptions, RawStoreEvents } from './raw-store.js';
export { httpClickHouse } from './client.js';
export { BAD_DATA_EXCEPTION_CODES, clickHouseExceptionCode, isBadDataError } from './errors.js';
export type { ClickHouseConnectionOptions, ClickHouseLike } from './client.js';
export { applyMigrations, defaultMigrationsDir, loadMigrations, splitStatements } from './migrations.js';
export type { Migration, MigrationResult, SqlExecutor } from './migrations.js';
export { RAW_EVENTS_TABLE, RAW_EVENT_COLUMNS, fromRow, literal, replaySql, toRow } from './sql.js';

export type ClickHouseSinkOptions = ClickHouseConnectionOptions & Omit<ClickHouseRawStoreOptions, 'client'>;

export function createClickHouseRawEventStore(options: ClickHouseSinkOptions): ClickHouseRawEventStore {
  return new ClickHouseRawEventStore({ ...options, client: httpClickHouse(options) });
}
