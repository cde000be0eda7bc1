/**
 * Creates a distributed-mode topic when the config asks for it (`createTopics`), else checks
 * that it exists, so a missing topic is one clear SINK_CONFIG error at start-up instead of a
 * producer or consumer retrying forever. Either way it returns only once the broker's metadata
 * names a leader for every partition: when several processes start together, all but one get
 * TOPIC_ALREADY_EXISTS from the controller before the broker that answers Metadata knows the
 * topic, and a subscribe in that gap fails with "This server does not host this topic-partition".
 */
import type { Kafka } from 'kafkajs';
import { IngestError, retry } from '../core/index.js';
import type { RetryPolicy } from '../core/index.js';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly create: boolean;
}

/** About 30 s in all: a topic the controller has accepted is normally served within a second. */
const READY_POLICY: RetryPolicy = Object.freeze({
  initialDelayMs: 50,
  maxDelayMs: 2_000,
  factor: 2,
  maxAttempts: 20,
  jitter: 0.3,
});

type Admin = ReturnType<Kafka['admin']>;

export async function ensureTopic(
  kafka: Kafka,
  spec: TopicSpec,
  policy: RetryPolicy = READY_POLICY,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const exists = (await admin.listTopics()).includes(spec.topic);
    if (!exists && !spec.create) {
      throw new IngestError(
        'SINK_CONFIG',
        `Kafka topic '${spec.topic}' does not exist; create it or set distributed.kafka.createTopics`,
        { context: { topic: spec.topic } },
      );
    }
    if (!exists) {
      // Resolves false without waiting when another process created it first.
      await admin.createTopics({
        topics: [
          { topic: spec.topic, numPartitions: spec.partitions, replicationFactor: spec.replicationFactor },
        ],
        waitForLeaders: true,
      });
    }
    await untilLed(admin, spec.topic, policy);
  } finally {
    await admin.disconnect();
  }
}

/** Waits until Metadata lists the topic with a leader on every partition. */
async function untilLed(admin: Admin, topic: string, policy: RetryPolicy): Promise<void> {
  await retry(
    async () => {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const parts = meta.topics.find((t) => t.name === topic)?.partitions ?? [];
      const leaderless = parts.filter((p) => p.leader < 0).map((p) => p.partitionId);
      if (parts.length === 0 || leaderless.length > 0) {
        throw new IngestError(
          'SINK_UNAVAILABLE',
          parts.length === 0
            ? `Kafka topic '${topic}' exists but the broker's metadata lists no partitions for it yet`
            : `Kafka topic '${topic}' has no leader for partitions ${leaderless.join(',')}`,
          { context: { topic }, retriable: true },
        );
      }
    },
    { policy, label: `waiting for Kafka topic '${topic}' to be served` },
  );
}
