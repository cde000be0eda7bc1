// The Kafka DeadLetterPublisher runs the shared conformance cases against the shared test
// broker, one unique DLQ topic per case, read back up to the acknowledged high watermarks. It
// also checks what only Kafka carries: the listener as key and the reason as a header.
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_SCHEMA_VERSION } from '../../src/sinks/index.js';
import { createKafkaDeadLetterPublisher } from '../../src/sinks/kafka/index.js';
import type { DeadLetterDocument } from '../../src/sinks/index.js';
import { readWholeTopic, services, uniqueName } from '../harness/index.js';
import { deadLetterPublisherConformance } from './dead-letter-conformance.js';

const publisherOn = (topic: string) =>
  createKafkaDeadLetterPublisher({
    brokers: services().kafka.brokers,
    topic,
    createTopic: { numPartitions: 1, replicationFactor: 1 },
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 5000,
  });

describe('KafkaDeadLetterPublisher: DeadLetterPublisher conformance', () => {
  deadLetterPublisherConformance(() => {
    const topic = uniqueName('dlq_conf');
    return Promise.resolve({
      publisher: publisherOn(topic),
      read: async () => (await readWholeTopic(topic)).map((m) => JSON.parse(m.value) as DeadLetterDocument),
    });
  });

  it('keys each letter by its listener and names the reason and schema in headers', async () => {
    const topic = uniqueName('dlq_conf');
    const publisher = publisherOn(topic);
    try {
      await publisher.publish([
        {
          reason: 'unknown_channel',
          detail: 'channel nope',
          listenerId: 'inf-b/secondary',
          channel: 'nope',
          receivedAt: 1_700_000_000_000,
          payload: '{"channel":"nope"}',
        },
      ]);
    } finally {
      await publisher.close();
    }
    const [m] = await readWholeTopic(topic);
    expect(m?.key).toBe('inf-b/secondary');
    expect(m?.headers).toMatchObject({
      reason: 'unknown_channel',
      'schema-version': DEAD_LETTER_SCHEMA_VERSION,
      'content-type': 'application/json',
    });
  });
});
