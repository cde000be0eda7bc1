/**
 * Creates a distributed-mode topic when the config asks for it (`createTopics`), else checks
 * that it exists, so a missing topic is one clear SINK_CONFIG error at start-up instead of a
 * producer or consumer retrying forever. Either way it returns only once the broker's metadata
 * names a leader for every partition: when several processes start together, all but one get
 * TOPIC_ALREADY_EXISTS from the controller before the broker that answers Metadata knows the
 * topic, and a subscribe in that gap fails with "This server does not host this topic-partition".
 * The creator itself meets the same gap, which is why the wait is the kernel's
 * (createTopicsAndWait), not kafkajs' `waitForLeaders`.
 */
import type { Kafka } from 'kafkajs';
import { IngestError } from '../core/index.js';
import type { RetryPolicy } from '../core/index.js';
import { TOPIC_READY_POLICY, createTopicsAndWait, untilTopicLed } from '../sinks/kafka/index.js';

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly create: boolean;
}

export async function ensureTopic(
  kafka: Kafka,
  spec: TopicSpec,
  policy: RetryPolicy = TOPIC_READY_POLICY,
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
    if (exists) await untilTopicLed(admin, spec.topic, policy);
    else
      await createTopicsAndWait(
        admin,
        [{ topic: spec.topic, numPartitions: spec.partitions, replicationFactor: spec.replicationFactor }],
        policy,
      );
  } finally {
    await admin.disconnect();
  }
}
