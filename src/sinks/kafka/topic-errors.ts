/**
 * What a broker's refusal to create a topic means for the operator. kafkajs reports it as
 * one "Topic creation errors" aggregate; the broker's own answer per topic (e.g.
 * INVALID_REPLICATION_FACTOR) sits inside. Refusals caused by our settings are configuration
 * errors, not outages: re-sending cannot help until the setting (or the cluster) changes, so
 * they surface as non-retriable SINK_CONFIG naming the broker's code and the setting that fixes
 * it. Anything else (network, leader not available) stays a retriable outage.
 */
import { SinkError } from '../../core/index.js';

/** Broker error code -> the fix an operator can apply. One row per code. */
const FIXES: Readonly<Record<string, string>> = {
  INVALID_REPLICATION_FACTOR:
    'set sinks.kafka.replicationFactor (INGEST_KAFKA_REPLICATION_FACTOR) to at most the number of brokers',
  INVALID_PARTITIONS: 'set sinks.kafka.partitions (INGEST_KAFKA_PARTITIONS) to 1 or more',
  INVALID_TOPIC_EXCEPTION: 'set sinks.kafka.topic / sinks.kafka.dlqTopic to a valid topic name',
  TOPIC_AUTHORIZATION_FAILED:
    'grant this client CreateTopics, or create the topics yourself and set sinks.kafka.createTopics false (INGEST_KAFKA_CREATE_TOPICS)',
  CLUSTER_AUTHORIZATION_FAILED:
    'grant this client CreateTopics, or create the topics yourself and set sinks.kafka.createTopics false (INGEST_KAFKA_CREATE_TOPICS)',
  POLICY_VIOLATION:
    "the cluster's topic policy refuses these settings: adjust sinks.kafka.partitions / replicationFactor or create the topics yourself",
  INVALID_CONFIG:
    'create the topics yourself and set sinks.kafka.createTopics false (INGEST_KAFKA_CREATE_TOPICS)',
  INVALID_REQUEST:
    'create the topics yourself and set sinks.kafka.createTopics false (INGEST_KAFKA_CREATE_TOPICS)',
};

interface TopicRefusal {
  readonly topic: string;
  readonly type: string;
  readonly message: string;
}

function refusals(err: unknown, depth = 0): TopicRefusal[] {
  if (depth > 6 || typeof err !== 'object' || err === null) return [];
  const e = err as {
    errors?: unknown;
    topic?: unknown;
    type?: unknown;
    message?: unknown;
    cause?: unknown;
    originalError?: unknown;
  };
  const out: TopicRefusal[] = [];
  if (typeof e.topic === 'string' && typeof e.type === 'string') {
    out.push({ topic: e.topic, type: e.type, message: typeof e.message === 'string' ? e.message : '' });
  }
  if (Array.isArray(e.errors)) for (const inner of e.errors) out.push(...refusals(inner, depth + 1));
  const next = e.cause ?? e.originalError;
  if (next !== undefined && next !== err) out.push(...refusals(next, depth + 1));
  return out;
}

/**
 * A SINK_CONFIG error when the broker refused topic creation for a reason our settings
 * cause; null when the failure is something else (treat it as an outage).
 */
export function topicCreationConfigError(
  err: unknown,
  creation: { readonly numPartitions: number; readonly replicationFactor: number },
): SinkError | null {
  const config = refusals(err).filter((r) => FIXES[r.type] !== undefined);
  if (config.length === 0) return null;
  const parts = config.map((r) => `${r.topic}: ${r.type} (${r.message})`);
  const fixes = [...new Set(config.map((r) => FIXES[r.type] as string))];
  return new SinkError(
    'SINK_CONFIG',
    `kafka refuses to create topic ${parts.join('; ')} with ${creation.numPartitions} partitions, replication factor ${creation.replicationFactor}; ${fixes.join('; ')}`,
    {
      cause: err,
      retriable: false,
      context: { topics: config.map((r) => ({ topic: r.topic, code: r.type })), ...creation },
    },
  );
}
