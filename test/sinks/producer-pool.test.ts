import { describe, expect, it } from 'vitest';
import { createKafkaSignalPublisher } from '../../src/sinks/kafka/index.js';
import type { AdminLike, KafkaClientFactory, ProducerLike } from '../../src/sinks/kafka/index.js';
import { partitionOf } from '../../src/sinks/kafka/partition-sends.js';
import type { SinkRecord } from '../../src/sinks/ports.js';
import { fakeAdmin, tooLarge } from './fakes.js';

const PARTITIONS = 3;

interface Request {
  readonly producer: number;
  readonly partition: number;
  readonly values: string[];
}

/**
 * A 3-partition broker that records which producer sent each request. With `gate` set, a
 * request is held until `gate` requests are pending at once, so a test that would serialise
 * them never finishes (vitest's timeout fails it) instead of measuring time.
 */
class Broker implements KafkaClientFactory {
  readonly requests: Request[] = [];
  readonly disconnected: number[] = [];
  readonly connected: number[] = [];
  gate = 0;
  private pending: (() => void)[] = [];
  private producers = 0;

  producer(): ProducerLike {
    const id = ++this.producers;
    return {
      connect: async () => void this.connected.push(id),
      disconnect: async () => void this.disconnected.push(id),
      send: async ({ topic, messages }) => {
        const partitions = new Set(messages.map((m) => partitionOf(topic, m.key, PARTITIONS)));
        expect(partitions.size).toBe(1);
        const partition = [...partitions][0] as number;
        if (this.gate > 0) {
          await new Promise<void>((resolve) => {
            this.pending.push(resolve);
            if (this.pending.length >= this.gate) for (const r of this.pending.splice(0)) r();
          });
        }
        this.requests.push({ producer: id, partition, values: messages.map((m) => m.value) });
        if (messages.some((m) => m.value === 'BAD')) throw tooLarge();
      },
    };
  }

  admin(): AdminLike {
    return fakeAdmin(PARTITIONS);
  }

  /** Producer id per partition, over every request so far (each partition must map to one id). */
  producerOf(): Map<number, Set<number>> {
    const m = new Map<number, Set<number>>();
    for (const r of this.requests) m.set(r.partition, (m.get(r.partition) ?? new Set()).add(r.producer));
    return m;
  }
}

const record = (n: number, value = `v${n}`): SinkRecord => ({
  id: `id-${n}`,
  key: `inf-${n % 7}|BTC`,
  value,
  headers: {},
  createdAt: 0,
});
const batch = (from: number, n: number): SinkRecord[] =>
  Array.from({ length: n }, (_, i) => record(from + i));

describe('producer pool: one request per partition, each through its own producer', () => {
  it('sends every partition of a batch at once, each partition always through the same producer', async () => {
    const broker = new Broker();
    const publisher = createKafkaSignalPublisher({ brokers: ['fake:9092'], topic: 't', factory: broker });
    broker.gate = PARTITIONS; // resolves only if all three requests are in flight together
    await publisher.publish(batch(0, 21));
    broker.gate = 0;
    await publisher.publish(batch(21, 21));
    await publisher.publish(batch(42, 21));
    const byPartition = broker.producerOf();
    expect([...byPartition.keys()].sort()).toEqual([0, 1, 2]);
    for (const ids of byPartition.values()) expect(ids.size).toBe(1);
    const ids = [...byPartition.values()].map((s) => [...s][0]);
    expect(new Set(ids).size).toBe(PARTITIONS);
    await publisher.close();
    expect(broker.disconnected.sort()).toEqual([1, 2, 3]);
  });

  it('shares producers round-robin beyond maxProducers', async () => {
    const broker = new Broker();
    const publisher = createKafkaSignalPublisher({
      brokers: ['fake:9092'],
      topic: 't',
      factory: broker,
      maxProducers: 2,
    });
    await publisher.publish(batch(0, 21));
    await publisher.publish(batch(21, 21));
    const byPartition = broker.producerOf();
    expect([...byPartition.keys()].sort()).toEqual([0, 1, 2]);
    const idOf = (p: number): number => [...(byPartition.get(p) ?? [])][0] as number;
    for (const ids of byPartition.values()) expect(ids.size).toBe(1);
    expect(idOf(0)).toBe(idOf(2));
    expect(idOf(1)).not.toBe(idOf(0));
    await publisher.close();
  });

  it('a refused record replaces only the producer of its partition; the others keep theirs', async () => {
    const broker = new Broker();
    const publisher = createKafkaSignalPublisher({ brokers: ['fake:9092'], topic: 't', factory: broker });
    await publisher.publish(batch(0, 21));
    const before = new Map([...broker.producerOf()].map(([p, ids]) => [p, [...ids][0] as number]));
    const bad = record(100, 'BAD');
    const badPartition = partitionOf('t', bad.key, PARTITIONS);
    await expect(publisher.publish([...batch(21, 20), bad])).rejects.toMatchObject({
      code: 'SINK_RECORD_REJECTED',
    });
    expect(broker.disconnected).toEqual([before.get(badPartition)]);
    broker.requests.length = 0;
    await publisher.publish(batch(200, 21));
    for (const [p, ids] of broker.producerOf()) {
      const id = [...ids][0] as number;
      if (p === badPartition) expect(id).not.toBe(before.get(p));
      else expect(id).toBe(before.get(p));
    }
    await publisher.close();
  });

  it('warmUp connects a producer per partition before the first send, which then uses them', async () => {
    const broker = new Broker();
    const publisher = createKafkaSignalPublisher({ brokers: ['fake:9092'], topic: 't', factory: broker });
    await publisher.producer.warmUp();
    expect(broker.connected.sort()).toEqual([1, 2, 3]);
    expect(broker.requests).toEqual([]);
    await publisher.publish(batch(0, 21));
    expect(broker.connected).toHaveLength(3);
    expect(new Set(broker.requests.map((r) => r.producer))).toEqual(new Set([1, 2, 3]));
    await publisher.close();
    expect(broker.disconnected.sort()).toEqual([1, 2, 3]);
  });
});
