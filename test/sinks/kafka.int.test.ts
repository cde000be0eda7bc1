// Signals and dead letters through DurableQueue + the kafkajs publisher against the real broker,
// including a 20 s broker outage in the middle of a stream.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/core/index.js';
import { DeadLetterRecorder, DurableQueue } from '../../src/sinks/index.js';
import type { SinkRecord } from '../../src/sinks/index.js';
import { createKafkaDeadLetterPublisher, createKafkaSignalPublisher } from '../../src/sinks/kafka/index.js';
import { isControllable, serviceControl, services, uniqueName } from '../harness/index.js';
import { until } from '../kit/index.js';
import { FAST_RETRY, orderReport, readTopic, signal } from './int-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sinks-kafka-int-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function signalPipeline(topic: string, spool: string) {
  const publisher = createKafkaSignalPublisher({
    brokers: services().kafka.brokers,
    topic,
    createTopic: { numPartitions: 3, replicationFactor: 1 },
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 5000,
  });
  const queue = await DurableQueue.open<SinkRecord>({
    name: 'signals',
    deliver: (b) => publisher.publish(b),
    spoolDir: join(dir, spool),
    retryPolicy: FAST_RETRY,
    maxBatchRecords: 200,
  });
  return { publisher, queue };
}

describe('Kafka signal publisher (real broker)', () => {
  it('delivers signals in order per key, with key and headers, creating the topic', async () => {
    const topic = uniqueName('signals');
    const { publisher, queue } = await signalPipeline(topic, 'a');
    const N = 600;
    for (let n = 0; n < N; n++) await queue.enqueue(signal(n, 10));
    await queue.flush(60_000);
    expect(await publisher.ping()).toBe(true);
    await queue.close();
    await publisher.close();

    const got = await readTopic(topic, N);
    const report = orderReport(got);
    expect(report.distinct).toBe(N);
    expect(report.duplicates).toBe(0);
    expect(report.violations).toEqual([]);
    expect(new Set(got.map((m) => m.partition)).size).toBeGreaterThan(1);
    const first = got.find((m) => m.value === signal(0, 10).value);
    expect(first?.key).toBe('inf-0|BTC');
    expect(first?.headers).toEqual({
      'schema-version': '1',
      'content-type': 'application/json',
      'trace-id': 'trace-0',
    });
  });

  it.runIf(isControllable('kafka'))(
    'loses nothing and keeps per-key order when the broker is down for 20 s mid-stream',
    async () => {
      const kafka = serviceControl('kafka');
      const topic = uniqueName('signals_outage');
      const { publisher, queue } = await signalPipeline(topic, 'b');
      const modes: string[] = [];
      queue.events.on('mode', (e) => modes.push(`${e.mode}:${e.reason}`));
      const recreated: string[] = [];
      publisher.producer.events.on('producerRecreated', (e) => recreated.push(e.reason));
      let batches = 0;
      queue.events.on('delivered', () => batches++);

      let n = 0;
      let stop = false;
      const producing = (async () => {
        while (!stop) {
          for (let i = 0; i < 20; i++) await queue.enqueue(signal(n++, 12));
          await new Promise((r) => setTimeout(r, 100)); // not synchronisation: paces the producer (~200 signals/s)
        }
      })();
      try {
        await until(() => batches >= 5, 30_000, 'five batches delivered before the outage');
        await kafka.stop();
        await new Promise((r) => setTimeout(r, 20_000)); // not synchronisation: the 20 s outage under test
        const spooledDuringOutage = queue.stats().spoolRecords;
        await kafka.start();
        const upAt = batches;
        await until(() => batches >= upAt + 5, 60_000, 'five batches delivered after the restart');
        stop = true;
        await producing;
        expect(spooledDuringOutage).toBeGreaterThan(0);
      } finally {
        stop = true;
        await kafka.start();
      }
      await queue.flush(120_000);
      const stats = queue.stats();
      await queue.close();
      await publisher.close();

      const got = await readTopic(topic, n, 90_000);
      const report = orderReport(got);
      console.log(
        `[sinks] broker outage: sent ${n}, in topic ${got.length}, distinct ${report.distinct}, ` +
          `raw duplicates ${report.duplicates}, producer recreations ${recreated.length}, ` +
          `delivery failures ${stats.failures}, modes ${modes.join(' ')}`,
      );
      expect(report.distinct).toBe(n); // zero lost
      expect(report.violations).toEqual([]); // per-key order preserved
      expect(modes).toContain('spill:sink failing');
    },
    180_000,
  );

  it('routes dead letters to the DLQ topic with their reasons', async () => {
    const topic = uniqueName('dlq');
    const publisher = createKafkaDeadLetterPublisher({
      brokers: services().kafka.brokers,
      topic,
      createTopic: { numPartitions: 1, replicationFactor: 1 },
    });
    const dlq = await DurableQueue.open<DeadLetter>({
      name: 'dlq',
      deliver: (b) => publisher.publish(b),
      spoolDir: join(dir, 'dlq'),
      retryPolicy: FAST_RETRY,
    });
    const recorder = new DeadLetterRecorder({ dlq, raw: null });
    const letters: DeadLetter[] = [
      {
        reason: 'invalid_json',
        detail: 'bad',
        listenerId: 'inf-1/primary',
        channel: null,
        receivedAt: 1,
        payload: '{',
      },
      {
        reason: 'schema_mismatch',
        detail: 'data.px: expected string',
        listenerId: 'inf-1/secondary',
        channel: 'userFills',
        receivedAt: 2,
        payload: '{"channel":"userFills"}',
      },
      {
        reason: 'bad_decimal',
        detail: 'sz',
        listenerId: 'inf-2/primary',
        channel: 'trades',
        receivedAt: 3,
        payload: '{}',
      },
    ];
    for (const l of letters) await recorder.record(l);
    await dlq.flush(60_000);
    await dlq.close();
    await publisher.close();

    const got = await readTopic(topic, 3);
    expect(got.map((m) => m.headers['reason'])).toEqual(['invalid_json', 'schema_mismatch', 'bad_decimal']);
    expect(JSON.parse(got[1]?.value ?? '{}')).toEqual({
      reason: 'schema_mismatch',
      detail: 'data.px: expected string',
      listener: 'inf-1/secondary',
      channel: 'userFills',
      receivedAt: 2,
      payload: '{"channel":"userFills"}',
    });
    expect(got[0]?.key).toBe('inf-1/primary');
    expect(recorder.countsByReason()).toMatchObject({ invalid_json: 1, schema_mismatch: 1, bad_decimal: 1 });
  });
});
