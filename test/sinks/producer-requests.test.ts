// How the Kafka sink turns a batch into requests: one per partition leader, all through the
// topic's one idempotent producer, and a refused record settled partition by partition so that
// nothing is written twice (src/sinks/kafka/partition-sends.ts).
import { describe, expect, it } from 'vitest';
import { createKafkaSignalPublisher } from '../../src/sinks/kafka/index.js';
import type { AdminLike, KafkaClientFactory, ProducerLike } from '../../src/sinks/kafka/index.js';
import { partitionOf } from '../../src/sinks/kafka/partition-sends.js';
import type { SinkRecord } from '../../src/sinks/ports.js';
import { IdempotentBroker, fakeAdmin } from './fakes.js';

const PARTITIONS = 3;

function broker(admin: () => AdminLike = () => fakeAdmin(PARTITIONS, () => 1)): IdempotentBroker {
  return new IdempotentBroker((topic, key) => partitionOf(topic, key, PARTITIONS), admin);
}

const publisherOn = (b: IdempotentBroker) =>
  createKafkaSignalPublisher({
    brokers: ['fake:9092'],
    topic: 't',
    factory: b as unknown as KafkaClientFactory & { producer(): ProducerLike },
  });

const record = (n: number, value = `v${n}`): SinkRecord => ({
  id: `id-${n}`,
  key: `inf-${n % 7}|BTC`,
  value,
  headers: {},
  createdAt: 0,
});
const batch = (from: number, n: number): SinkRecord[] =>
  Array.from({ length: n }, (_, i) => record(from + i));

/** Each partition holds its records in the order they were published. */
function expectPartitionOrder(b: IdempotentBroker, published: readonly SinkRecord[]): void {
  for (let p = 0; p < PARTITIONS; p++) {
    const inP = published.filter((r) => partitionOf('t', r.key, PARTITIONS) === p).map((r) => r.value);
    expect(inP.length).toBeGreaterThan(0);
    expect(b.written.filter((w) => w.partition === p).map((w) => w.value)).toEqual(inP);
  }
}

describe('kafka sink requests: one per partition leader, through one producer', () => {
  it('sends a batch over every partition of one broker as one request', async () => {
    const b = broker();
    const publisher = publisherOn(b);
    await publisher.publish(batch(0, 21));
    await publisher.publish(batch(21, 21));
    expect(b.requests).toHaveLength(2);
    for (const r of b.requests) expect([...r.partitions].sort()).toEqual([0, 1, 2]);
    expect(b.producerIds()).toEqual(new Set([1]));
    expect(b.written.map((w) => w.value).sort()).toEqual(
      batch(0, 42)
        .map((r) => r.value)
        .sort(),
    );
    expectPartitionOrder(b, batch(0, 42));
    await publisher.close();
    expect(b.disconnected).toEqual([1]);
  });

  it('sends to two leaders as two requests in flight at once', async () => {
    const b = broker(() => fakeAdmin(PARTITIONS, (p) => (p === 1 ? 2 : 1)));
    const publisher = publisherOn(b);
    b.gate = 2; // resolves only if both requests are pending together
    await publisher.publish(batch(0, 21));
    expect(b.requests.map((r) => [...r.partitions].sort()).sort()).toEqual([[0, 2], [1]]);
    expect(b.producerIds()).toEqual(new Set([1]));
    await publisher.close();
  });

  it('settles a refused request partition by partition: nothing written twice, the producer kept', async () => {
    const b = broker();
    const publisher = publisherOn(b);
    const records = Array.from({ length: 20 }, (_, n) => (n === 9 ? record(n, 'BAD') : record(n)));
    const badPartition = partitionOf('t', record(9).key, PARTITIONS);
    await expect(publisher.publish(records)).rejects.toMatchObject({ code: 'SINK_RECORD_REJECTED' });
    // The refused request wrote the other two partitions; then each partition went alone.
    expect(b.requests).toHaveLength(1 + PARTITIONS);
    expect(b.requests.slice(1).map((r) => r.partitions.length)).toEqual([1, 1, 1]);
    // The queue isolates: halves, then the rest; what the broker took is not sent again.
    await expect(publisher.publish(records.slice(0, 10))).rejects.toMatchObject({
      code: 'SINK_RECORD_REJECTED',
    });
    await publisher.publish(records.slice(0, 9));
    await publisher.publish(records.slice(10));
    const good = records.filter((r) => r.value !== 'BAD').map((r) => r.value);
    expect(b.written.map((w) => w.value).sort()).toEqual([...good].sort());
    expectPartitionOrder(
      b,
      records.filter((r) => r.value !== 'BAD'),
    );
    expect(b.written.some((w) => w.partition === badPartition)).toBe(true);
    expect(b.producerIds()).toEqual(new Set([1]));
    expect(b.disconnected).toEqual([]);
    await publisher.close();
  });

  it('a fatal error on one partition: the others are settled before the producer is replaced', async () => {
    const b = broker();
    const publisher = publisherOn(b);
    const records = batch(0, 21);
    const bad = partitionOf('t', (records[0] as SinkRecord).key, PARTITIONS);
    b.outOfOrder = { partition: bad, times: 2 }; // the request, then the partition alone
    await expect(publisher.publish(records)).rejects.toMatchObject({ code: 'SINK_FATAL_PRODUCER' });
    expect(b.disconnected).toEqual([1]);
    expect(b.written.some((w) => w.partition === bad)).toBe(false);
    // The queue re-sends the same batch: only the failed partition goes, through a new producer.
    await publisher.publish(records);
    expect(b.requests.at(-1)).toMatchObject({ producer: 2, partitions: [bad] });
    expect(b.written.map((w) => w.value).sort()).toEqual(records.map((r) => r.value).sort());
    expectPartitionOrder(b, records);
    await publisher.close();
  });

  it('replaces the producer after a refusal when the partitions were not known', async () => {
    const { fetchTopicMetadata: _, ...noMetadata } = fakeAdmin(PARTITIONS);
    const b = broker(() => noMetadata);
    const publisher = publisherOn(b);
    await expect(publisher.publish([record(0), record(1, 'BAD'), record(2)])).rejects.toMatchObject({
      code: 'SINK_RECORD_REJECTED',
    });
    expect(b.requests).toHaveLength(1);
    expect(b.disconnected).toEqual([1]);
    await publisher.publish([record(3)]);
    expect(b.producerIds()).toEqual(new Set([1, 2]));
    await publisher.close();
  });

  it('warmUp connects the producer before the first send, which then uses it', async () => {
    const b = broker();
    const publisher = publisherOn(b);
    await publisher.producer.warmUp();
    expect(b.connected).toEqual([1]);
    expect(b.requests).toEqual([]);
    await publisher.publish(batch(0, 21));
    expect(b.connected).toEqual([1]);
    expect(b.producerIds()).toEqual(new Set([1]));
    await publisher.close();
    expect(b.disconnected).toEqual([1]);
  });
});
