// The raw event store against the real ClickHouse 18.16: migrations, batching, dedup and replay,
// and a ClickHouse restart in the middle of a stream.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawEvent } from '../../src/core/index.js';
import { DurableQueue } from '../../src/sinks/index.js';
import { createClickHouseRawEventStore, httpClickHouse } from '../../src/sinks/clickhouse/index.js';
import type { ClickHouseLike } from '../../src/sinks/clickhouse/index.js';
import { isControllable, serviceControl, services, uniqueName } from '../harness/index.js';
import { until } from '../kit/index.js';
import { FAST_RETRY } from './int-helpers.js';

let dir: string;
let admin: ClickHouseLike;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sinks-ch-int-'));
  admin = httpClickHouse({ url: services().clickhouse.url });
});
afterAll(async () => {
  await admin.close();
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 9, 31, 23, 59, 0); // spans a month boundary: two partitions

function event(n: number, listener: 'primary' | 'secondary'): RawEvent {
  return {
    influencerId: `inf-${n % 4}`,
    user: `0x${(n % 4).toString(16).padStart(40, '0')}`,
    market: n % 2 === 0 ? 'BTC' : 'ETH',
    eventType: 'fill',
    eventId: `ev-${n}`,
    listenerId: `inf-${n % 4}/${listener}`,
    eventTime: T0 + n * 100,
    ingestTime: Date.now(),
    payload: JSON.stringify({ n, note: "it's \\ fine" }),
  };
}

async function freshDatabase(): Promise<string> {
  const db = uniqueName('sinks');
  await admin.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
  return db;
}

describe('ClickHouse raw event store (real ClickHouse 18.16)', () => {
  it('migrates, stores each event once (FINAL) and replays in event_time order', async () => {
    const database = await freshDatabase();
    const store = createClickHouseRawEventStore({
      url: services().clickhouse.url,
      database,
      maxBatchRows: 100,
    });
    await store.ensureSchema();
    await store.ensureSchema();
    const events = Array.from({ length: 1200 }, (_, n) => event(n, 'primary'));
    await store.insert(events);
    await store.insert(
      events.slice(0, 300).map((e) => ({ ...e, listenerId: `${e.influencerId}/secondary` })),
    );
    const rows = await admin.queryRows(
      `SELECT count() AS c, uniqExact(event_id) AS u FROM ${database}.raw_events FINAL`,
    );
    expect(Number(rows[0]?.['c'])).toBe(1200);
    expect(Number(rows[0]?.['u'])).toBe(1200);
    const migrations = await admin.queryRows(
      `SELECT version FROM ${database}.schema_migrations FINAL ORDER BY version`,
    );
    expect(migrations.map((r) => Number(r['version']))).toEqual([1, 2]);
    const parts = await admin.queryRows(
      `SELECT DISTINCT partition FROM system.parts WHERE database = '${database}' AND table = 'raw_events' AND active`,
    );
    expect(parts.length).toBe(2);

    const replayed: RawEvent[] = [];
    for await (const e of store.replay({
      influencerId: 'inf-2',
      market: 'BTC',
      fromMs: T0,
      toMs: T0 + 60_000,
    })) {
      replayed.push(e);
    }
    const expected = events.filter(
      (e) => e.influencerId === 'inf-2' && e.market === 'BTC' && e.eventTime < T0 + 60_000,
    );
    expect(replayed.map((e) => e.eventId)).toEqual(expected.map((e) => e.eventId));
    expect(replayed[0]?.payload).toBe(expected[0]?.payload);
    expect(replayed[0]?.eventTime).toBe(expected[0]?.eventTime);
    await store.close();
  });

  it.runIf(isControllable('clickhouse'))(
    'every raw event lands exactly once when ClickHouse restarts mid-stream',
    async () => {
      const clickhouse = serviceControl('clickhouse');
      const database = await freshDatabase();
      const store = createClickHouseRawEventStore({
        url: services().clickhouse.url,
        database,
        maxBatchRows: 200,
        maxBatchDelayMs: 200,
        requestTimeoutMs: 3000,
      });
      await store.ensureSchema();
      const queue = await DurableQueue.open<RawEvent>({
        name: 'raw',
        deliver: (b) => store.insert(b),
        spoolDir: join(dir, 'raw'),
        retryPolicy: FAST_RETRY,
        maxBatchRecords: 200,
      });
      let failures = 0;
      queue.events.on('deliveryFailed', () => failures++);
      let batches = 0;
      queue.events.on('delivered', () => batches++);
      let n = 0;
      let stop = false;
      const producing = (async () => {
        while (!stop) {
          for (let i = 0; i < 25; i++, n++) {
            await queue.enqueue(event(n, 'primary'));
            if (n % 3 === 0) await queue.enqueue(event(n, 'secondary')); // the other listener's copy
          }
          await new Promise((r) => setTimeout(r, 50)); // not synchronisation: paces the producer (~600 events/s)
        }
      })();
      let modeWhileDown = '';
      try {
        await until(() => batches >= 5, 30_000, 'five batches delivered before the outage');
        await clickhouse.stop();
        // Down: deliveries fail and the queue spills to its spool while events keep coming.
        await until(
          () => queue.stats().mode === 'spill',
          60_000,
          () => `spill mode (${queue.stats().mode})`,
        );
        const spilledAt = n;
        await until(() => n >= spilledAt + 500, 30_000, '500 more events while down');
        modeWhileDown = queue.stats().mode;
      } finally {
        await clickhouse.start();
      }
      const upAt = batches;
      await until(() => batches >= upAt + 5, 60_000, 'five batches delivered after the restart');
      stop = true;
      await producing;
      const N = n;
      await queue.flush(120_000);
      await queue.close();
      await store.close();

      await admin.command(`OPTIMIZE TABLE ${database}.raw_events FINAL`);
      // Read with FINAL too: OPTIMIZE on 18.16 returns without merging when a background merge
      // holds the parts (no error unless optimize_throw_if_noop), which made this count flaky.
      const rows = await admin.queryRows(
        `SELECT count() AS c, uniqExact(event_id) AS u, min(event_time) AS lo, max(event_time) AS hi FROM ${database}.raw_events FINAL`,
      );
      console.log(
        `[sinks] clickhouse restart: ${N} events, ${failures} failed deliveries, rows after OPTIMIZE FINAL ${rows[0]?.['c']}`,
      );
      expect(Number(rows[0]?.['c'])).toBe(N);
      expect(Number(rows[0]?.['u'])).toBe(N);
      expect(failures).toBeGreaterThan(0);
      expect(modeWhileDown).toBe('spill');
    },
    180_000,
  );
});
