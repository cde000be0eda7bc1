import { describe, expect, it } from 'vitest';
import type { Consumer } from 'kafkajs';
import { connectAndSubscribe } from '../../src/distributed/group-consumer.js';

const FAST = { initialDelayMs: 1, maxDelayMs: 1, factor: 1, maxAttempts: 5, jitter: 0 };

const unknownTopic = (): Error =>
  Object.assign(new Error('This server does not host this topic-partition'), {
    name: 'KafkaJSProtocolError',
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    retriable: true,
  });

/** A consumer whose first `failures` subscribes fail the way kafkajs' do while a topic settles. */
function settlingConsumer(failures: number) {
  const calls: string[] = [];
  let left = failures;
  const consumer = {
    connect: async () => void calls.push('connect'),
    subscribe: async ({ topic, fromBeginning }: { topic: string; fromBeginning: boolean }) => {
      calls.push(`subscribe ${topic} fromBeginning=${fromBeginning}`);
      if (left-- > 0) throw unknownTopic();
    },
  };
  return { consumer: consumer as unknown as Consumer, calls };
}

describe('connectAndSubscribe', () => {
  it('connects once and subscribes again until the broker serves the topic', async () => {
    const { consumer, calls } = settlingConsumer(2);
    await connectAndSubscribe(consumer, { topic: 'coord', fromBeginning: false, closing: () => false }, FAST);
    expect(calls).toEqual([
      'connect',
      'subscribe coord fromBeginning=false',
      'subscribe coord fromBeginning=false',
      'subscribe coord fromBeginning=false',
    ]);
  });

  it('stops retrying once the member is closing, with the broker error', async () => {
    const { consumer, calls } = settlingConsumer(10);
    // The member is closed while its first subscribe is failing: no second try.
    const subscribed = connectAndSubscribe(
      consumer,
      { topic: 'bronze', fromBeginning: true, closing: () => calls.length >= 2 },
      FAST,
    );
    await expect(subscribed).rejects.toThrow(/does not host this topic-partition/);
    expect(calls).toEqual(['connect', 'subscribe bronze fromBeginning=true']);
  });

  it('gives up after the policy, naming the topic', async () => {
    const { consumer, calls } = settlingConsumer(100);
    await expect(
      connectAndSubscribe(consumer, { topic: 'coord', fromBeginning: false, closing: () => false }, FAST),
    ).rejects.toThrow(/subscribing to Kafka topic 'coord': gave up after 5 attempts/);
    expect(calls.filter((c) => c.startsWith('subscribe'))).toHaveLength(5);
  });
});
