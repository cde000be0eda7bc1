// The ClickHouse RawEventStore runs the shared conformance cases against the shared test
// ClickHouse, one unique database per case (the store migrates it on first use).
import { afterAll, describe } from 'vitest';
import { createClickHouseRawEventStore, httpClickHouse } from '../../src/sinks/clickhouse/index.js';
import { services, uniqueName } from '../harness/index.js';
import { rawEventStoreConformance } from './raw-event-store-conformance.js';

describe('ClickHouseRawEventStore: RawEventStore conformance', () => {
  const databases: string[] = [];
  afterAll(async () => {
    const admin = httpClickHouse({ url: services().clickhouse.url });
    for (const db of databases) await admin.command(`DROP DATABASE IF EXISTS ${db}`);
    await admin.close();
  });
  rawEventStoreConformance(() => {
    const database = uniqueName('raw_conf');
    databases.push(database);
    // maxBatchDelayMs 0: each insert() is its own request, so an ack means the rows are stored.
    const open = () =>
      createClickHouseRawEventStore({ url: services().clickhouse.url, database, maxBatchDelayMs: 0 });
    return Promise.resolve({ store: open(), reopen: open });
  });
});
