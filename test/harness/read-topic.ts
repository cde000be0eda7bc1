// Reads a whole Kafka topic back for assertions: every message up to the high watermarks taken
// before consuming (the producer has acknowledged by then), in partition then offset order.
// Exact by construction, so no waiting for a quiet period; shared by the sink conformance suites
// and the e2e tests. (sinks/int-helpers.ts readTopic is the other kind of read: it waits for at
// least N messages while a producer may still be writing.)
import type { KafkaMessage } from 'kafkajs';
import { eventually, testKafka, uniqueName } from './resources.js';

export interface TopicMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly partition: number;
  readonly offset: number;
  /** The record's Kafka timestamp (producer create time, ms). */
  readonly timestamp: number;
}

/** A consumed kafkajs message as text: key, value, headers (values as strings), where it was. */
export function topicMessage(message: KafkaMessage, partition: number): TopicMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
  return {
    key: message.key?.toString() ?? '',
    value: message.value?.toString() ?? '',
    headers,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
  };
}

export async function readWholeTopic(topic: string, timeoutMs = 30_000): Promise<TopicMessage[]> {
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
  const out: TopicMessage[] = [];
  if (want === 0) return out;
  const consumer = kafka.consumer({ groupId: uniqueName('read_topic'), allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message, partition }: { message: KafkaMessage; partition: number }) => {
        out.push(topicMessage(message, partition));
        return Promise.resolve();
      },
    });
    await eventually(() => out.length >= want, `${want} messages in ${topic} (got ${out.length})`, timeoutMs);
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
