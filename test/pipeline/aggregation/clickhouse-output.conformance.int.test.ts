// The ClickHouse gold output runs the shared AggregationOutput cases: each case gets its own
// database with the gold DDL applied, read back with FINAL (ReplacingMergeTree(revision)).
import { afterAll } from 'vitest';
import { ClickHouseGoldOutput } from '../../../src/pipeline/aggregation/index.js';
import { httpClickHouse } from '../../../src/sinks/clickhouse/index.js';
import { services, uniqueName } from '../../harness/index.js';
import { aggregationOutputConformance, readBar } from './output-conformance.js';

const databases: string[] = [];
afterAll(async () => {
  const admin = httpClickHouse({ url: services().clickhouse.url });
  for (const db of databases) await admin.command(`DROP DATABASE IF EXISTS ${db}`);
  await admin.close();
});

aggregationOutputConformance({
  name: 'ClickHouseGoldOutput',
  timeoutMs: 60_000,
  async open() {
    const database = uniqueName('agg_conf');
    databases.push(database);
    const url = services().clickhouse.url;
    const output = new ClickHouseGoldOutput(httpClickHouse({ url, database }));
    await output.ensureSchema();
    return {
      output,
      async read() {
        const reader = httpClickHouse({ url, database });
        try {
          const vectors = await reader.queryRows('SELECT vector_hex FROM gold_feature_vectors FINAL');
          const bars = await reader.queryRows(
            'SELECT window_key, revision, open, high, low, close, volume FROM gold_ohlc_bars FINAL',
          );
          return {
            vectorHex: vectors.map((r) => String(r['vector_hex'])),
            bars: bars.map(readBar),
          };
        } finally {
          await reader.close();
        }
      },
    };
  },
});
