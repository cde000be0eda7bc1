import { afterEach, describe, expect, it } from 'vitest';
import { createKafkaSignalPublisher, isFatalProducerError } from '../../src/sinks/kafka/index.js';
import type {
  AdminLike,
  KafkaClientFactory,
  KafkaMessageOut,
  ProducerLike,
} from '../../src/sinks/kafka/index.js';
import { DurableQueue } from '../../src/sinks/durable-queue.js';
import type { SinkRecord } from '../../src/sinks/ports.js';
import { FAST_POLICY, settle } from './fakes.js';
import { ManualClock } from '../kit/index.js';

const kafkaError = (name: string, extra: Record<string, unknown>): Error =>
  Object.assign(new Error(name), { name, ...extra });

const outOfOrder = (): Error =>
  kafkaError('KafkaJSProtocolError', { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', retriable: false });

/** A broker log shared by every producer the factory makes; `failOn(n)` makes send #n fatal. */
class FakeKafka implements KafkaClientFactory {
  readonly log: { topic: string; msg: KafkaMessageOut; producer: number }[] = [];
  readonly producers: { id: number; connected: boolean; disconnected: boolean }[] = [];
  readonly topics = new Map<string, number>();
  readonly created: string[] = [];
  private sends = 0;
  private readonly failing = new Map<number, () => Error>();

  failOn(sendNumber: number, error: () => Error): void {
    this.failing.set(sendNumber, error);
  }

  producer(): ProducerLike {
    const state = { id: this.producers.length + 1, connected: false, disconnected: false, dead: false };
    this.producers.push(state);
    return {
      connect: async () => {
        state.connected = true;
      },
      disconnect: async () => {
        state.disconnected = true;
      },
      send: async ({ topic, acks, messages }) => {
        expect(acks).toBe(-1);
        const n = ++this.sends;
        if (state.dead) throw outOfOrder();
        const fail = this.failing.get(n);
        if (fail) {
          const err = fail();
          if (isFatalProducerError(err)) state.dead = true; // a fatal error never heals on this producer
          throw err;
        }
        for (const msg of messages) {
          expect(msg).not.toHaveProperty('partition');
          this.log.push({ topic, msg, producer: state.id });
        }
      },
    };
  }

  admin(): AdminLike {
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      listTopics: async () => [...this.topics.keys()],
      createTopics: async ({ topics }) => {
        for (const t of topics) {
          this.topics.set(t.topic, t.numPartitions);
          this.created.push(t.topic);
        }
        return true;
      },
      describeCluster: async () => ({ brokers: [] }),
    };
  }
}

const record = (n: number, key: string): SinkRecord => ({
  id: `sig-${n}`,
  key,
  value: JSON.stringify({ n, key }),
  headers: { 'schema-version': '1', 'content-type': 'application/json', 'trace-id': `t${n}` },
  createdAt: n,
});

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

describe('isFatalProducerError', () => {
  it('flags the idempotence errors and non-retriable root causes, not wrapped network errors', () => {
    expect(isFatalProducerError(outOfOrder())).toBe(true);
    expect(isFatalProducerError(kafkaError('KafkaJSProtocolError', { type: 'UNKNOWN_PRODUCER_ID' }))).toBe(
      true,
    );
    expect(isFatalProducerError(kafkaError('KafkaJSProtocolError', { type: 'INVALID_PRODUCER_EPOCH' }))).toBe(
      true,
    );
    expect(isFatalProducerError(kafkaError('KafkaJSNonRetriableError', { retriable: false }))).toBe(true);
    const network = kafkaError('KafkaJSConnectionError', { retriable: true });
    const exceeded = kafkaError('KafkaJSNumberOfRetriesExceeded', { retriable: false, cause: network });
    expect(isFatalProducerError(exceeded)).toBe(false);
    const exceededFatal = kafkaError('KafkaJSNumberOfRetriesExceeded', {
      retriable: false,
      cause: outOfOrder(),
    });
    expect(isFatalProducerError(exceededFatal)).toBe(true);
    expect(isFatalProducerError(new Error('plain'))).toBe(false);
    expect(isFatalProducerError('text')).toBe(false);
  });
});

describe('Kafka signal publisher (fake producer)', () => {
  it('recreates the producer on a fatal error and keeps every key in order with nothing lost', async () => {
    const kafka = new FakeKafka();
    kafka.topics.set('influencer_signals', 3);
    kafka.failOn(3, outOfOrder);
    const publisher = createKafkaSignalPublisher({ brokers: ['fake:9092'], factory: kafka });
    const recreated: string[] = [];
    publisher.producer.events.on('producerRecreated', (e) => recreated.push(e.reason));
    const clock = new ManualClock();
    const queue = await DurableQueue.open<SinkRecord>({
      name: 'signals',
      deliver: (b) => publisher.publish(b),
      retryPolicy: FAST_POLICY,
      maxBatchRecords: 5,
      clock,
    });
    closers.push(() => publisher.close());
    const keys = ['a|BTC', 'b|ETH', 'c|SOL'];
    for (let n = 0; n < 60; n++) await queue.enqueue(record(n, keys[n % 3] ?? ''));
    for (let i = 0; i < 200 && kafka.log.length < 60; i++) {
      await settle();
      clock.advance(50);
    }
    await queue.flush(1000);
    const done = queue.close(10);
    clock.advance(10);
    await done;

    expect(recreated).toEqual(['OUT_OF_ORDER_SEQUENCE_NUMBER']);
    expect(kafka.producers.length).toBe(2);
    expect(kafka.producers[0]?.disconnected).toBe(true);
    const ids = kafka.log.map((e) => e.msg.value);
    expect(new Set(ids).size).toBe(60);
    for (const key of keys) {
      const ns = kafka.log
        .filter((e) => e.msg.key === key)
        .map((e) => (JSON.parse(e.msg.value) as { n: number }).n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
      expect(ns.length).toBe(20);
    }
    expect(kafka.log[0]?.msg.headers).toEqual({
      'schema-version': '1',
      'content-type': 'application/json',
      'trace-id': 't0',
    });
  });

  it('keeps the producer when the root cause is a retriable network error', async () => {
    const kafka = new FakeKafka();
    kafka.topics.set('influencer_signals', 1);
    kafka.failOn(1, () =>
      kafkaError('KafkaJSNumberOfRetriesExceeded', {
        retriable: false,
        cause: kafkaError('KafkaJSConnectionError', { retriable: true }),
      }),
    );
    const publisher = createKafkaSignalPublisher({ brokers: ['fake:9092'], factory: kafka });
    closers.push(() => publisher.close());
    await expect(publisher.publish([record(1, 'k')])).rejects.toMatchObject({
      code: 'SINK_WRITE',
      retriable: true,
    });
    await publisher.publish([record(1, 'k')]);
    expect(kafka.producers.length).toBe(1);
    expect(kafka.log.map((e) => e.msg.key)).toEqual(['k']);
  });

  it('creates the topic only when allowed and missing', async () => {
    const kafka = new FakeKafka();
    const allowed = createKafkaSignalPublisher({
      brokers: ['fake:9092'],
      factory: kafka,
      topic: 'sig_a',
      createTopic: { numPartitions: 6, replicationFactor: 1 },
    });
    await allowed.publish([record(1, 'k')]);
    await allowed.publish([record(2, 'k')]);
    expect(kafka.created).toEqual(['sig_a']);
    expect(kafka.topics.get('sig_a')).toBe(6);
    const existing = createKafkaSignalPublisher({
      brokers: ['fake:9092'],
      factory: kafka,
      topic: 'sig_a',
      createTopic: { numPartitions: 6, replicationFactor: 1 },
    });
    await existing.publish([record(3, 'k')]);
    expect(kafka.created).toEqual(['sig_a']);
    const notAllowed = createKafkaSignalPublisher({ brokers: ['fake:9092'], factory: kafka, topic: 'sig_b' });
    await notAllowed.publish([record(4, 'k')]);
    expect(kafka.created).toEqual(['sig_a']);
    expect(await notAllowed.ping()).toBe(true);
    await Promise.all([allowed.close(), existing.close(), notAllowed.close()]);
    await expect(allowed.publish([record(5, 'k')])).rejects.toThrow(/closed/);
  });
});
