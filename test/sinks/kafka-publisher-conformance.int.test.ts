// The Kafka SignalPublisher runs the shared conformance cases against the shared test broker,
// one unique topic (3 partitions) per case. The reader consumes each partition up to the high
// watermark the broker reports after the acks, so it reads exactly what was delivered without
// waiting for a quiet period.
import { describe } from 'vitest';
import { createKafkaSignalPublisher } from '../../src/sinks/kafka/index.js';
import { readWholeTopic, services, uniqueName } from '../harness/index.js';
import type { Delivered } from './signal-publisher-conformance.js';
import { signalPublisherConformance } from './signal-publisher-conformance.js';

/** Every message in `topic`, in partition order, read up to the current high watermarks. */
async function readAll(topic: string): Promise<Delivered[]> {
  return (await readWholeTopic(topic)).map(({ key, value, headers }) => ({ key, value, headers }));
}

describe('KafkaSignalPublisher: SignalPublisher conformance', () => {
  signalPublisherConformance(() => {
    const topic = uniqueName('sig_conf');
    return Promise.resolve({
      publisher: createKafkaSignalPublisher({
        brokers: services().kafka.brokers,
        topic,
        createTopic: { numPartitions: 3, replicationFactor: 1 },
        connectionTimeoutMs: 1000,
        requestTimeoutMs: 5000,
      }),
      read: () => readAll(topic),
    });
  });
});
