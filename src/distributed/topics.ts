/**
 * Creates a distributed-mode topic when the config asks for it (`createTopics`), else checks
 * that it exists, so a missing topic is one clear SINK_CONFIG error at start-up instead of a
 * producer or consumer retrying forever.
 */
import type { Kafka } from 'kafkajs';
import { IngestError } from '../core/index.js';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly create: boolean;
}

export async function ensureTopic(kafka: Kafka, spec: TopicSpec): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const exists = (await admin.listTopics()).includes(spec.topic);
    if (exists) return;
    if (!spec.create) {
      throw new IngestError(
        'SINK_CONFIG',
        `Kafka topic '${spec.topic}' does not exist; create it or set distributed.kafka.createTopics`,
        { context: { topic: spec.topic } },
      );
    }
    await admin.createTopics({
      topics: [
        { topic: spec.topic, numPartitions: spec.partitions, replicationFactor: spec.replicationFactor },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}
