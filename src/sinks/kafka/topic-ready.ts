/**
 * Creating a topic and waiting until the broker serves it, race-free when several processes
 * start together. kafkajs' own `createTopics({ waitForLeaders: true })` is not: after the
 * controller accepts the topic, it polls Metadata and retries only LEADER_NOT_AVAILABLE, so
 * when the answering broker does not know the topic yet (UNKNOWN_TOPIC_OR_PARTITION, "This
 * server does not host this topic-partition") it throws, and the creator fails although the
 * topic is fine a moment later. Here the creation does not wait; the wait is ours, retrying
 * any Metadata answer until every partition has a leader.
 */
import { IngestError, retry } from '../../core/index.js';
import type { RetryPolicy } from '../../core/index.js';

/** The two admin calls this needs (kafkajs' Admin has both). */
export interface TopicReadyAdmin {
  createTopics(request: {
    topics: {
      topic: string;
      numPartitions: number;
      replicationFactor: number;
      configEntries?: { name: string; value: string }[];
    }[];
    waitForLeaders: boolean;
  }): Promise<boolean>;
  fetchTopicMetadata(request: {
    topics: string[];
  }): Promise<{ topics: { name: string; partitions: readonly { partitionId: number; leader: number }[] }[] }>;
}

export interface TopicToCreate {
  readonly topic: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configEntries?: readonly { readonly name: string; readonly value: string }[];
}

/** About 30 s in all: a topic the controller has accepted is normally served within a second. */
export const TOPIC_READY_POLICY: RetryPolicy = Object.freeze({
  initialDelayMs: 50,
  maxDelayMs: 2_000,
  factor: 2,
  maxAttempts: 20,
  jitter: 0.3,
});

/**
 * Creates the topics (an existing one, or one another process creates meanwhile, is fine) and
 * returns once each is served with a leader on every partition. Errors of the creation itself
 * (a replication factor the cluster cannot meet, a policy refusal) are thrown as kafkajs gave them.
 */
export async function createTopicsAndWait(
  admin: TopicReadyAdmin,
  topics: readonly TopicToCreate[],
  policy: RetryPolicy = TOPIC_READY_POLICY,
): Promise<void> {
  if (topics.length === 0) return;
  try {
    // Resolves false when some already existed.
    await admin.createTopics({
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        ...(t.configEntries ? { configEntries: t.configEntries.map((e) => ({ ...e })) } : {}),
      })),
      waitForLeaders: false,
    });
  } catch (err) {
    if (!allAlreadyExist(err)) throw err;
  }
  for (const t of topics) await untilTopicLed(admin, t.topic, policy);
}

/** Waits until Metadata lists the topic with a leader on every partition. */
export async function untilTopicLed(
  admin: Pick<TopicReadyAdmin, 'fetchTopicMetadata'>,
  topic: string,
  policy: RetryPolicy = TOPIC_READY_POLICY,
): Promise<void> {
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

/**
 * kafkajs resolves false for TOPIC_ALREADY_EXISTS only when every topic of the request already
 * existed and the error came as its aggregate; a lone protocol error of that type is the same news.
 */
function allAlreadyExist(err: unknown): boolean {
  const e = err as { type?: unknown; errors?: unknown };
  if (e.type === 'TOPIC_ALREADY_EXISTS') return true;
  return (
    Array.isArray(e.errors) &&
    e.errors.length > 0 &&
    e.errors.every((x: unknown) => (x as { type?: unknown }).type === 'TOPIC_ALREADY_EXISTS')
  );
}
