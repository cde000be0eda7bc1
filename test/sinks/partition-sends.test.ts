import { describe, expect, it } from 'vitest';
import { createKafkaSignalPublisher } from '../../src/sinks/kafka/index.js';
import type {
  AdminLike,
  KafkaClientFactory,
  KafkaMessageOut,
  ProducerLike,
} from '../../src/sinks/kafka/index.js';
import { TakenMemory, partitionGroups, partitionOf } from '../../src/sinks/kafka/partition-sends.js';
import type { SinkRecord } from '../../src/sinks/ports.js';
import { fakeAdmin, tooLarge } from './fakes.js';

const PARTITIONS = 3;

/** A broker with 3 partitions that refuses, per request, any request holding a record `BAD`. */
class Broker implements KafkaClientFactory {
  readonly written: string[] = [];
  readonly requests: string[][] = [];
  producer(): ProducerLike {
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: async ({ topic, messages }) => {
        this.requests.push(messages.map((m) => m.value));
        const partitions = new Set(messages.map((m) => partitionOf(topic, m.key, PARTITIONS)));
        expect(partitions.size).toBe(1);
        if (messages.some((m) => m.value === 'BAD')) throw tooLarge();
        for (const m of messages) this.written.push(m.value);
      },
    };
  }
  admin(): AdminLike {
    return fakeAdmin(PARTITIONS);
  }
}

const record = (n: number, value = `v${n}`): SinkRecord => ({
  id: `id-${n}`,
  key: `inf-${n % 7}|BTC`,
  value,
  headers: {},
  createdAt: 0,
});

describe('partition-grouped sends', () => {
  it('group a batch by the partition kafkajs picks, keeping batch order inside each group', () => {
    const msgs: KafkaMessageOut[] = Array.from({ length: 30 }, (_, n) => ({
      key: `k${n % 5}`,
      value: String(n),
      headers: {},
    }));
    const withPartitions = partitionGroups('t', msgs, PARTITIONS);
    for (const g of withPartitions) {
      for (const m of g.messages) expect(partitionOf('t', m.key, PARTITIONS)).toBe(g.partition);
    }
    const groups = withPartitions.map((g) => g.messages);
    expect(
      groups
        .flat()
        .map((m) => m.value)
        .sort(),
    ).toEqual(msgs.map((m) => m.value).sort());
    for (const g of groups) {
      expect(new Set(g.map((m) => partitionOf('t', m.key, PARTITIONS))).size).toBe(1);
      const values = g.map((m) => Number(m.value));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
    expect(partitionGroups('t', msgs, null)).toEqual([{ partition: null, messages: msgs }]);
  });

  it('a refused record costs no duplicate: what the broker took is not sent again', async () => {
    const broker = new Broker();
    const publisher = createKafkaSignalPublisher({ brokers: ['fake:9092'], topic: 't', factory: broker });
    const batch = Array.from({ length: 20 }, (_, n) => (n === 9 ? record(n, 'BAD') : record(n)));
    await expect(publisher.publish(batch)).rejects.toMatchObject({ code: 'SINK_RECORD_REJECTED' });
    // Some partitions were written by that call; the queue now isolates: halves, then the rest.
    await expect(publisher.publish(batch.slice(0, 10))).rejects.toMatchObject({
      code: 'SINK_RECORD_REJECTED',
    });
    await publisher.publish(batch.slice(0, 9));
    await publisher.publish(batch.slice(10));
    const good = batch.filter((r) => r.value !== 'BAD').map((r) => r.value);
    expect([...broker.written].sort()).toEqual([...good].sort());
    expect(broker.written).toHaveLength(good.length);
    await publisher.close();
  });

  it('remembers only what failed calls had taken, and forgets it once a call carrying it succeeds', () => {
    const m = (v: string): KafkaMessageOut => ({ key: 'k', value: v, headers: {} });
    const taken = new TakenMemory();
    taken.remember([m('a'), m('b')]);
    expect(taken.unsent([m('a'), m('b'), m('c')]).map((x) => x.value)).toEqual(['c']);
    taken.forget([m('a'), m('b'), m('c')]);
    expect(taken.size).toBe(0);
  });
});
