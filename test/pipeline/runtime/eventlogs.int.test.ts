/**
 * The composition root's backend choice: `eventLog.backend` in config builds the file, Postgres or
 * NATS adapter (events and quarantine apart), and the retention loop applies the configured
 * limits on the clock's timer. On Kafka the logs take the 254Carbon topic names: silver split
 * per payload type (`<topic>.<payload>.v<n>.<partition key>`), quarantine per reason, bronze on
 * its bare topic.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { PipelineConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/core/index.js';
import { encodeEnvelope, goldenEnvelope, GOLDEN_CASES } from '../../../src/pipeline/envelope/index.js';
import { openEventLog, startRetention } from '../../../src/pipeline/runtime/eventlogs.js';
import { services, uniqueName } from '../../harness/index.js';
import { ManualClock } from '../../kit/index.js';

const rec = (i: number, t0 = 0) => ({
  partition: 'BTC#0',
  eventId: i.toString(16).padStart(64, '0'),
  timestampMs: t0 + 1_000 * i,
  bytes: Buffer.alloc(100, i),
});

describe('event log backend from config', () => {
  const configs = (): Record<'file' | 'postgres' | 'nats', unknown> => ({
    file: { backend: 'file' },
    postgres: { backend: 'postgres', postgres: { url: services().postgres.url, table: uniqueName('rt') } },
    nats: {
      backend: 'nats',
      nats: { servers: services().nats.url, streamPrefix: uniqueName('RT'), subjectPrefix: uniqueName('rt') },
    },
  });
  for (const backend of ['file', 'postgres', 'nats'] as const) {
    it(`builds the ${backend} backend; events and quarantine are separate logs`, async () => {
      const c = PipelineConfig.parse({ eventLog: configs()[backend] }).eventLog;
      const dir = mkdtempSync(join(tmpdir(), 'elog-rt-'));
      const events = await openEventLog(c, dir, 'events');
      const quarantine = await openEventLog(c, dir, 'quarantine');
      try {
        expect(events.constructor.name.toLowerCase()).toContain(backend);
        await events.append([rec(1)]);
        expect((await events.read('BTC#0')).map((r) => r.eventId)).toEqual([rec(1).eventId]);
        expect(await events.partitions()).toEqual(['BTC#0']);
        expect(await quarantine.partitions()).toEqual([]);
      } finally {
        await events.close();
        await quarantine.close();
      }
    });
  }

  it('the retention loop applies maxAgeMs on each interval of the clock', async () => {
    const c = PipelineConfig.parse({
      eventLog: {
        backend: 'postgres',
        postgres: { url: services().postgres.url, table: uniqueName('ret') },
        retention: { maxAgeMs: 15_000, intervalMs: 10_000 },
      },
    }).eventLog;
    const log = await openEventLog(c, '', 'events');
    const clock = new ManualClock();
    const t0 = clock.now() - 10_000;
    try {
      await log.append([...Array(10).keys()].map((i) => rec(i, t0)));
      const timer = startRetention(c, [log], clock, silentLogger);
      expect(timer).toBeDefined();
      expect(await log.startOffset('BTC#0')).toBe(0);
      clock.advance(10_000);
      // now = t0 + 20 s, cut at t0 + 5 s: the first record kept is offset 5.
      await vi.waitFor(async () => expect(await log.startOffset('BTC#0')).toBe(5), { timeout: 10_000 });
      timer?.cancel();
    } finally {
      await log.close();
    }
  });

  it('no retention loop without a limit', () => {
    const c = PipelineConfig.parse({}).eventLog;
    expect(c.retention).toEqual({ maxAgeMs: 0, maxBytes: 0, intervalMs: 60_000 });
    expect(startRetention(c, [], new ManualClock(), silentLogger)).toBeUndefined();
  });

  it('kafka: silver lands on one topic per payload type and partition key, quarantine per reason, bronze on its bare topic, anomalies per partition', async () => {
    const brokers = services().kafka.brokers;
    const c = PipelineConfig.parse({
      eventLog: {
        backend: 'kafka',
        kafka: {
          brokers,
          topic: `${uniqueName('normalized')}.market`,
          quarantineTopic: `${uniqueName('ingestion')}.quarantine.v1`,
          bronzeTopic: `${uniqueName('ingestion')}.pipeline.raw.v1`,
          anomaliesTopic: `${uniqueName('data')}.quality.anomalies.v1`,
        },
      },
    }).eventLog;
    const k = c.kafka;
    const events = GOLDEN_CASES.map(goldenEnvelope);
    const reqs = events.map((e) => ({
      partition: e.partitionKey,
      eventId: e.eventId,
      timestampMs: e.eventTimeMs,
      bytes: encodeEnvelope(e),
    }));
    const open = async () => ({
      silver: await openEventLog(c, '', 'events'),
      quarantine: await openEventLog(c, '', 'quarantine'),
      bronze: await openEventLog(c, '', 'bronze'),
      anomalies: await openEventLog(c, '', 'anomalies'),
    });
    const first = reqs[0] as (typeof reqs)[number];
    const admin = new Kafka({ brokers: [...brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    let logs = await open();
    try {
      const res = await logs.silver.append(reqs);
      // Each event's port partition is <payload>.v<n>/<its partition key>; the backfilled candle
      // repeats the candle's event id and is dropped.
      const kinds = events.map((e) => e.payloadType.toLowerCase().replace(/_v(\d+)$/, '.v$1'));
      expect(res.map((r) => r.partition)).toEqual(events.map((e, i) => `${kinds[i]}/${e.partitionKey}`));
      expect(res.filter((r) => r.duplicate)).toHaveLength(1);
      await logs.quarantine.append([{ ...first, partition: 'SANITY_FAILED' }]);
      await logs.bronze.append([{ ...first, partition: 'raw' }]);
      await logs.anomalies.append([first]);

      const topics = (await admin.listTopics()).filter((t) =>
        [k.topic, k.quarantineTopic, k.bronzeTopic, k.anomaliesTopic].some((p) => t.startsWith(p)),
      );
      const silverTopics = topics.filter((t) => t.startsWith(`${k.topic}.`)).sort();
      expect(silverTopics).toContain(`${k.topic}.trade_tick.v1.hl_2Eperp_2EBTC`);
      expect(silverTopics.some((t) => t.startsWith(`${k.topic}.evm_block_invalidated.v1.`))).toBe(true);
      for (const t of silverTopics) expect(t).toMatch(/\.[a-z_]+\.v1\.[A-Za-z0-9_-]+$/);
      expect(silverTopics).toHaveLength(new Set(res.map((r) => r.partition)).size);
      expect(topics).toContain(`${k.quarantineTopic}.SANITY_5FFAILED`);
      expect(topics).toContain(k.bronzeTopic);
      expect(topics).toContain(`${k.anomaliesTopic}.hl_2Eperp_2EBTC`);

      // The port is intact on the routed partitions: offsets from 0 in append order, replay by time.
      const parts = [...new Set(res.filter((r) => !r.duplicate).map((r) => r.partition))].sort();
      expect(await logs.silver.partitions()).toEqual(parts);
      for (const p of parts) {
        const want = reqs.filter((_, i) => res[i]?.partition === p && !res[i]?.duplicate);
        const got = await logs.silver.read(p);
        expect(got.map((r) => [r.offset, r.eventId])).toEqual(want.map((r, i) => [i, r.eventId]));
        expect(await logs.silver.endOffset(p)).toBe(want.length);
        expect(await logs.silver.offsetForTime(p, (want[0] as (typeof want)[number]).timestampMs)).toBe(0);
      }
      expect(await logs.quarantine.partitions()).toEqual(['SANITY_FAILED']);
      expect((await logs.bronze.read('raw')).map((r) => r.eventId)).toEqual([first.eventId]);
      await Promise.all(Object.values(logs).map((l) => l.close()));

      // Reopened: the same partitions listed back from the topic names, and a re-append writes nothing.
      logs = await open();
      expect(await logs.silver.partitions()).toEqual(parts);
      expect(await logs.bronze.partitions()).toEqual(['raw']);
      expect((await logs.silver.append(reqs)).every((r) => r.duplicate)).toBe(true);
    } finally {
      await Promise.all(Object.values(logs).map((l) => l.close()));
      await admin.disconnect();
    }
  });
});
