// Smoke: a real round trip through the test ClickHouse server over HTTP with @clickhouse/client:
// MergeTree DDL that is valid on 18.16 (no DateTime64/TTL), a JSONEachRow batch insert, a select.
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { services, uniqueName } from '../harness/index.js';

interface Row {
  id: string;
  coin: string;
  px: string;
  ts_ms: string;
}

describe('clickhouse smoke', () => {
  let client: ClickHouseClient;
  const table = uniqueName('smoke_ch');

  beforeAll(() => {
    client = createClient({ url: services().clickhouse.url });
  });
  afterAll(async () => {
    await client.command({ query: `DROP TABLE IF EXISTS ${table}` });
    await client.close();
  });

  it('creates a MergeTree table, inserts a JSONEachRow batch and selects it back', async () => {
    await client.command({
      query: `CREATE TABLE ${table} (id String, coin String, px String, ts_ms UInt64)
              ENGINE = MergeTree PARTITION BY toYYYYMM(toDateTime(intDiv(ts_ms, 1000))) ORDER BY (coin, id)`,
    });
    const rows: Row[] = Array.from({ length: 50 }, (_, i) => ({
      id: `e${String(i).padStart(3, '0')}`,
      coin: i % 2 === 0 ? 'BTC' : 'ETH',
      px: `${100 + i}.125`,
      ts_ms: String(1_763_000_000_000 + i),
    }));
    await client.insert({ table, values: rows, format: 'JSONEachRow' });

    const back = await (
      await client.query({
        query: `SELECT id, coin, px, ts_ms FROM ${table} ORDER BY id`,
        format: 'JSONEachRow',
      })
    ).json<Row>();
    // UInt64 comes back as a string in JSON formats: exact, like the product's amounts.
    expect(back).toEqual(rows);
    const counts = await (
      await client.query({
        query: `SELECT coin, count() AS n FROM ${table} GROUP BY coin ORDER BY coin`,
        format: 'JSONEachRow',
      })
    ).json<{ coin: string; n: string }>();
    expect(counts).toEqual([
      { coin: 'BTC', n: '25' },
      { coin: 'ETH', n: '25' },
    ]);
  });
});
