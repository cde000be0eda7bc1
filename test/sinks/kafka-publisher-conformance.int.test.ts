// The Kafka SignalPublisher runs the shared conformance cases against the shared test broker,
// one unique topic (3 partitions) per case. The reader consumes each partition up to the high
// watermark the broker reports after the acks, so it reads exactly what was delivered without
// waiting for a quiet period.
import type { KafkaMessage } from 'kafkajs';
import { describe } from 'vitest';
import { createKafkaSignalPublisher } from '../../src/sinks/kafka/index.js';
import { eventually, services, testKafka, uniqueName } from '../harness/index.js';
import type { Delivered } from './signal-publisher-conformance.js';
import { signalPublisherConformance } from './signal-publisher-conformance.js';

/** Every message in `topic`, in partition order, read up to the current high watermarks. */
async function readAll(topic: string): Promise<Delivered[]> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  let offsets: { partition: number; high: string; low: string }[];
  try {
    offsets = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const want = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  const got = new Map<number, { offset: number; d: Delivered }[]>();
  let count = 0;
  if (want > 0) {
    const consumer = kafka.consumer({ groupId: uniqueName('conf_g'), allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: ({ message, partition }: { message: KafkaMessage; partition: number }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          const list = got.get(partition) ?? [];
          list.push({
            offset: Number(message.offset),
            d: { key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', headers },
          });
          got.set(partition, list);
          count++;
          return Promise.resolve();
        },
      });
      await eventually(() => count >= want, `${want} messages in ${topic} (got ${count})`);
    } finally {
      await consumer.disconnect();
    }
  }
  return [...got.keys()]
    .sort((a, b) => a - b)
    .flatMap((p) => (got.get(p) ?? []).sort((a, b) => a.offset - b.offset).map((x) => x.d));
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
