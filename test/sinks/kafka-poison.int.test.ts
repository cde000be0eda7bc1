// A signal Kafka will never take, in the middle of a stream, against the real broker: everything
// else reaches the topic in order and exactly once, the big one reaches the DLQ topic as a `sink_rejected` dead
// letter, and the queue never stalls. Once refused by the broker (topic max.message.bytes), once
// by the client-side guard (maxMessageBytes) before it is sent at all. Each for both RecordQueue
// adapters: the DurableQueue on this thread and the ThreadedQueue (queue and producers on a
// worker thread, the service's default), whose refused record crosses back for the hand-off.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core/index.js';
import type { DeadLetter } from '../../src/core/index.js';
import { poisonHandlers } from '../../src/app/sink-poison.js';
import { DeadLetterRecorder, DurableQueue, PoisonLog } from '../../src/sinks/index.js';
import type { RecordQueue, SinkRecord } from '../../src/sinks/index.js';
import { ThreadedQueue } from '../../src/sinks/threaded/index.js';
import { createKafkaDeadLetterPublisher, createKafkaSignalPublisher } from '../../src/sinks/kafka/index.js';
import { partitionOf } from '../../src/sinks/kafka/partition-sends.js';
import { createTopic, services, uniqueName } from '../harness/index.js';
import { FAST_RETRY, orderReport, readTopic, signal } from './int-helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sinks-kafka-poison-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const N = 120;
const BIG = 57;
const TOPIC_MAX_BYTES = 16 * 1024;

/** Signal n, with signal BIG carrying a value far over the topic's limit. */
function stream(n: number): SinkRecord {
  const s = signal(n, 6);
  if (n !== BIG) return s;
  const value = JSON.stringify({ n, key: s.key, pad: 'x'.repeat(4 * TOPIC_MAX_BYTES) });
  return { ...s, value };
}

async function pipeline(name: string, maxMessageBytes: number, threaded: boolean) {
  const topic = uniqueName(`${name}_signals`);
  const dlqTopic = uniqueName(`${name}_dlq`);
  await createTopic(topic, { partitions: 3, configs: { 'max.message.bytes': String(TOPIC_MAX_BYTES) } });
  await createTopic(dlqTopic, { partitions: 1 });
  const common = { brokers: services().kafka.brokers, connectionTimeoutMs: 1000, requestTimeoutMs: 5000 };
  const dlq = createKafkaDeadLetterPublisher({ ...common, topic: dlqTopic, maxMessageBytes });
  const dlqQueue = await DurableQueue.open<DeadLetter>({
    name: 'dead-letters',
    deliver: (b) => dlq.publish(b),
    spoolDir: join(dir, name, 'dead-letters'),
    retryPolicy: FAST_RETRY,
  });
  const recorder = new DeadLetterRecorder({ dlq: dlqQueue, raw: null });
  const stalled: number[] = [];
  // The app's own hand-off (a refused signal becomes a sink_rejected dead letter).
  const onPoison = poisonHandlers({
    recorder: Promise.resolve(recorder),
    poisonLog: new PoisonLog({ path: join(dir, name, 'poison.ndjson') }),
    clock: systemClock,
    logger: silentLogger,
  }).signals;
  const queueOptions = {
    name: 'signals',
    spoolDir: join(dir, name, 'signals'),
    retryPolicy: FAST_RETRY,
    maxBatchRecords: 40,
  };
  const signals = threaded ? null : createKafkaSignalPublisher({ ...common, topic, maxMessageBytes });
  const queue: RecordQueue<SinkRecord> = signals
    ? await DurableQueue.open<SinkRecord>({ ...queueOptions, deliver: (b) => signals.publish(b), onPoison })
    : await ThreadedQueue.open({
        sink: {
          kind: 'kafka',
          connection: { brokers: common.brokers, clientId: name },
          topic,
          createTopic: false,
          maxMessageBytes,
        },
        queue: queueOptions,
        onPoison,
      });
  queue.events.on('stalled', (e) => stalled.push(e.attempts));
  return {
    topic,
    dlqTopic,
    queue,
    stalled,
    async close() {
      await queue.close();
      await dlqQueue.flush(30_000);
      await dlqQueue.close();
      // The threaded queue closed its own producers.
      await Promise.all([signals?.close(), dlq.close()]);
    },
  };
}

async function run(name: string, maxMessageBytes: number, threaded: boolean) {
  const p = await pipeline(threaded ? `${name}_threaded` : name, maxMessageBytes, threaded);
  const poisoned: string[] = [];
  p.queue.events.on('poisoned', (e) => poisoned.push(e.record.id));
  // Enqueued without waiting for delivery, so the big signal sits inside a batch with others.
  for (let n = 0; n < N; n++) await p.queue.enqueue(stream(n));
  await p.queue.flush(60_000);
  const stats = p.queue.stats();
  await p.close();

  const got = await readTopic(p.topic, N - 1);
  const report = orderReport(got);
  const dlq = await readTopic(p.dlqTopic, 1);
  return { topic: p.topic, got, report, dlq, poisoned, stats, stalled: p.stalled };
}

describe.each([
  ['on this thread', false],
  ['on a worker thread', true],
] as const)('a signal Kafka refuses for good (real broker), queue %s', (where, threaded) => {
  it('is dead-lettered when the broker refuses it, and nothing else is lost or reordered', async () => {
    // Client guard far above the topic limit: only the broker can refuse the big one.
    const r = await run('poison_broker', 10 * 1024 * 1024, threaded);
    console.log(
      `[sinks] broker refusal, queue ${where}: ${r.got.length} messages in topic, distinct ${r.report.distinct}, ` +
        `duplicates ${r.report.duplicates}, poisoned ${r.poisoned.join(',')}`,
    );
    expect(r.poisoned).toEqual([`sig-${BIG}`]);
    expect(r.report.distinct).toBe(N - 1);
    // The refused request is settled partition by partition (the broker recognises what it
    // already wrote), and what it took is not sent again while isolating.
    expect(r.report.duplicates).toBe(0);
    expect(r.got).toHaveLength(N - 1);
    // Grouping used the partitioner kafkajs sends with: every key is where partitionOf said.
    for (const m of r.got)
      expect({ key: m.key, p: m.partition }).toEqual({ key: m.key, p: partitionOf(r.topic, m.key, 3) });
    expect(r.report.ids).not.toContain(`sig-${BIG}`);
    expect(r.report.violations).toEqual([]);
    expect(r.stalled).toEqual([]);
    expect(r.stats).toMatchObject({ poisoned: 1, depth: 0, spoolRecords: 0 });
    expectDeadLetter(r.dlq, /MESSAGE_TOO_LARGE|larger than the max message size/);
  });

  it('is dead-lettered before sending when it exceeds maxMessageBytes, with no duplicates at all', async () => {
    const r = await run('poison_guard', TOPIC_MAX_BYTES - 1024, threaded);
    expect(r.poisoned).toEqual([`sig-${BIG}`]);
    expect(r.report.distinct).toBe(N - 1);
    expect(r.report.duplicates).toBe(0);
    expect(r.report.violations).toEqual([]);
    expect(r.stalled).toEqual([]);
    expectDeadLetter(r.dlq, /over maxMessageBytes/);
  });
});

function expectDeadLetter(dlq: Awaited<ReturnType<typeof readTopic>>, error: RegExp): void {
  expect(dlq).toHaveLength(1);
  const [m] = dlq;
  expect(m?.headers['reason']).toBe('sink_rejected');
  const doc = JSON.parse(m?.value ?? '{}') as {
    reason: string;
    detail: string;
    payload: string;
    listener: string;
  };
  expect(doc.reason).toBe('sink_rejected');
  expect(doc.listener).toBe('sink/signals');
  expect(doc.detail).toContain(`record sig-${BIG}`);
  expect(doc.detail).toContain(`key ${signal(BIG, 6).key}`);
  expect(doc.detail).toMatch(error);
  // The payload is the refused record, truncated like every dead letter.
  expect(doc.payload.startsWith(`{"id":"sig-${BIG}"`)).toBe(true);
  expect(doc.payload).toMatch(/…\[truncated \d+ chars\]$/);
}
