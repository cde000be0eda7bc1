import { describe, expect, it } from 'vitest';
import { createTopicsAndWait } from '../../src/sinks/kafka/index.js';
import type { TopicReadyAdmin } from '../../src/sinks/kafka/index.js';

const FAST = { initialDelayMs: 1, maxDelayMs: 1, factor: 1, maxAttempts: 6, jitter: 0 };

const protocolError = (type: string, message: string): Error =>
  Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type, retriable: true });

/**
 * A broker whose Metadata lags the controller: for `lag` answers after CreateTopics a created
 * topic is unknown (UNKNOWN_TOPIC_OR_PARTITION), then it is served with leaders. Its createTopics
 * behaves like kafkajs': with waitForLeaders it polls that Metadata itself and throws on the
 * unknown topic; a topic that exists already comes back as an aggregate of TOPIC_ALREADY_EXISTS.
 */
function laggingBroker(opts: { existing?: string[]; lag: number; createError?: Error }) {
  const topics = new Map<string, number>((opts.existing ?? []).map((t) => [t, 2]));
  let lagLeft = 0;
  const calls: string[] = [];
  const metadata = async ({ topics: names }: { topics: string[] }) => {
    calls.push('metadata');
    if (lagLeft > 0) {
      lagLeft--;
      throw protocolError('UNKNOWN_TOPIC_OR_PARTITION', 'This server does not host this topic-partition');
    }
    return {
      topics: names.map((name) => ({
        name,
        partitions: Array.from({ length: topics.get(name) ?? 0 }, (_, p) => ({ partitionId: p, leader: 1 })),
      })),
    };
  };
  const admin: TopicReadyAdmin = {
    createTopics: async ({ topics: req, waitForLeaders }) => {
      calls.push(`create waitForLeaders=${waitForLeaders}`);
      if (opts.createError) throw opts.createError;
      const dup = req.filter((t) => topics.has(t.topic));
      for (const t of req) if (!topics.has(t.topic)) topics.set(t.topic, t.numPartitions);
      lagLeft = opts.lag;
      if (dup.length > 0)
        throw Object.assign(new Error('Topic creation errors'), {
          name: 'KafkaJSAggregateError',
          errors: dup.map(() => protocolError('TOPIC_ALREADY_EXISTS', 'Topic with this name already exists')),
        });
      if (waitForLeaders) await metadata({ topics: req.map((t) => t.topic) });
      return true;
    },
    fetchTopicMetadata: metadata,
  };
  return { admin, calls, topics };
}

describe('createTopicsAndWait', () => {
  it('creates the topic and returns once it is served, through the lag in which kafkajs would throw', async () => {
    // The fake is faithful: kafkajs' own wait fails on this broker.
    const kafkajsWay = laggingBroker({ lag: 2 });
    await expect(
      kafkajsWay.admin.createTopics({
        topics: [{ topic: 'coord', numPartitions: 4, replicationFactor: 1 }],
        waitForLeaders: true,
      }),
    ).rejects.toThrow(/does not host this topic-partition/);

    const { admin, calls, topics } = laggingBroker({ lag: 2 });
    await createTopicsAndWait(admin, [{ topic: 'coord', numPartitions: 4, replicationFactor: 1 }], FAST);
    expect(topics.get('coord')).toBe(4);
    expect(calls).toEqual(['create waitForLeaders=false', 'metadata', 'metadata', 'metadata']);
  });

  it('takes a topic another process created first as created, and still waits until it is served', async () => {
    const { admin, calls } = laggingBroker({ existing: ['coord'], lag: 1 });
    await createTopicsAndWait(admin, [{ topic: 'coord', numPartitions: 4, replicationFactor: 1 }], FAST);
    expect(calls).toEqual(['create waitForLeaders=false', 'metadata', 'metadata']);
  });

  it('throws what the creation itself failed with (a setting the cluster refuses), without waiting', async () => {
    const refused = protocolError('INVALID_REPLICATION_FACTOR', 'Replication-factor is invalid');
    const { admin, calls } = laggingBroker({ lag: 0, createError: refused });
    await expect(
      createTopicsAndWait(admin, [{ topic: 'coord', numPartitions: 4, replicationFactor: 3 }], FAST),
    ).rejects.toBe(refused);
    expect(calls).toEqual(['create waitForLeaders=false']);
  });

  it('gives up naming the topic when the broker never serves it', async () => {
    const { admin, calls } = laggingBroker({ lag: 100 });
    const err = await createTopicsAndWait(
      admin,
      [{ topic: 'coord', numPartitions: 4, replicationFactor: 1 }],
      FAST,
    ).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(
      /waiting for Kafka topic 'coord' to be served: gave up after 6/,
    );
    expect(calls.filter((c) => c === 'metadata')).toHaveLength(6);
  });
});
