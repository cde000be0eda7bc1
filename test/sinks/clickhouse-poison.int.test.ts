// A raw event ClickHouse 18.16 refuses for good (a value its column cannot parse), in the middle of
// a stream: the real server's error is classified as SINK_RECORD_REJECTED, the queue isolates the
// event and hands it over once, and every other event is stored. Batching as the app wires it: the
// queue lingers for a full 5 000-row batch and the store sends each batch at once, so the
// bisection's re-sends do not each wait for a batch interval.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawEvent } from '../../src/core/index.js';
import { DurableQueue } from '../../src/sinks/index.js';
import { createClickHouseRawEventStore, httpClickHouse } from '../../src/sinks/clickhouse/index.js';
import type { ClickHouseLike } from '../../src/sinks/clickhouse/index.js';
import { services, uniqueName } from '../harness/index.js';
import { FAST_RETRY } from './int-helpers.js';

let dir: string;
let admin: ClickHouseLike;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sinks-ch-poison-'));
  admin = httpClickHouse({ url: services().clickhouse.url });
});
afterAll(async () => {
  await admin.close();
  await rm(dir, { recursive: true, force: true });
});

const N = 5000;
const BAD = 2345;

function event(n: number): RawEvent {
  return {
    influencerId: 'inf-1',
    user: '0x1',
    market: 'BTC',
    eventType: 'fill',
    eventId: `ev-${n}`,
    listenerId: 'inf-1/primary',
    // The bad one carries text where the UInt64 column wants a number (a bug upstream, say).
    eventTime: n === BAD ? ('not a time' as unknown as number) : 1_700_000_000_000 + n,
    ingestTime: Date.now(),
    payload: JSON.stringify({ n }),
  };
}

describe('a raw event ClickHouse refuses for good (real ClickHouse 18.16)', () => {
  it('is isolated and handed over; every other event is stored', async () => {
    const database = uniqueName('sinks_poison');
    await admin.command(`CREATE DATABASE IF NOT EXISTS ${database}`);
    const store = createClickHouseRawEventStore({
      url: services().clickhouse.url,
      database,
      maxBatchRows: N,
      maxBatchDelayMs: 0,
    });
    await store.ensureSchema();
    const handed: { event: RawEvent; error: unknown }[] = [];
    const queue = await DurableQueue.open<RawEvent>({
      name: 'raw-events',
      deliver: (b) => store.insert(b),
      spoolDir: join(dir, 'raw'),
      retryPolicy: FAST_RETRY,
      maxBatchRecords: N,
      lingerMs: 1000,
      maxMemoryRecords: 2 * N,
      spillThreshold: 2 * N,
      onPoison: (e, error) => {
        handed.push({ event: e, error });
        return Promise.resolve();
      },
    });
    let inserts = 0;
    store.events.on('inserted', () => inserts++);
    store.events.on('insertFailed', () => inserts++);
    const t0 = performance.now();
    for (let n = 0; n < N; n++) await queue.enqueue(event(n));
    await queue.flush(60_000);
    const ms = Math.round(performance.now() - t0);
    await queue.close();
    await store.close();

    expect(handed.map((h) => h.event.eventId)).toEqual([`ev-${BAD}`]);
    const error = handed[0]?.error as { code?: string; retriable?: boolean; context?: { code?: number } };
    console.log(
      `[sinks] clickhouse refusal: ${N} rows, 1 refused, isolated and stored in ${ms} ms with ${inserts} inserts: ${String((handed[0]?.error as Error).message).slice(0, 160)}`,
    );
    expect(error).toMatchObject({ code: 'SINK_RECORD_REJECTED', retriable: false });
    const rows = await admin.queryRows(
      `SELECT count() AS c, uniqExact(event_id) AS u FROM ${database}.raw_events FINAL`,
    );
    expect(Number(rows[0]?.['u'])).toBe(N - 1);
    expect(Number(rows[0]?.['c'])).toBe(N - 1);
  });
});
