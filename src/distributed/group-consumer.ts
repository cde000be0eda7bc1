/**
 * One consumer group member over one topic, as both distributed groups need it (the processors
 * over the bronze topic, a listener group over the coordination topic): the topic checked or
 * created first, the group timings from config, the sticky assignor, no auto topic creation.
 */
import type { Consumer, Kafka } from 'kafkajs';
import { isRetriable, retry } from '../core/index.js';
import type { RetryPolicy } from '../core/index.js';
import type { DistributedKafkaConfig } from '../config/index.js';
import { TOPIC_READY_POLICY } from '../sinks/kafka/index.js';
import type { MemberAdvert } from '../handoff/index.js';
import { stickyAssigner } from './sticky-assigner.js';
import { ensureTopic } from './topics.js';

export interface GroupConsumerSpec {
  readonly topic: string;
  readonly groupId: string;
  /** The partitions (and their timings) of the group's own section of the config. */
  readonly group: DistributedKafkaConfig['bronze'] | DistributedKafkaConfig['coordination'];
  /** The partitions this member holds now, offered to the sticky assignor at each rebalance. */
  readonly held: () => readonly number[];
  /** Who this member is (ops URL, role), in its join metadata; undefined = not advertised. */
  readonly advert: () => MemberAdvert | undefined;
}

export async function groupConsumer(
  kafka: Kafka,
  config: DistributedKafkaConfig,
  spec: GroupConsumerSpec,
): Promise<Consumer> {
  const { group } = spec;
  await ensureTopic(kafka, {
    topic: spec.topic,
    partitions: group.partitions,
    replicationFactor: config.replicationFactor,
    create: config.createTopics,
  });
  return kafka.consumer({
    groupId: spec.groupId,
    sessionTimeout: group.sessionTimeoutMs,
    heartbeatInterval: group.heartbeatIntervalMs,
    rebalanceTimeout: group.rebalanceTimeoutMs,
    // An idle fetch returns after this long and heartbeats, so joins, leaves and dead members
    // are noticed within about one heartbeat interval (the coordination topic is always idle).
    maxWaitTimeInMs: group.heartbeatIntervalMs,
    allowAutoTopicCreation: false,
    partitionAssigners: [
      stickyAssigner(() => {
        const advert = spec.advert();
        const owned = { [spec.topic]: [...spec.held()] };
        return advert === undefined ? { owned } : { owned, advert };
      }),
    ],
  });
}

/**
 * Connects the member and subscribes it, retrying what the broker answers while a topic that
 * was just created settles: kafkajs' subscribe reads Metadata once, bails on
 * UNKNOWN_TOPIC_OR_PARTITION and gives up on LEADER_NOT_AVAILABLE after a few quick retries,
 * and a process that dies at start-up for that is one more member to restart by hand.
 * `closing` ends the retries when the member is closed meanwhile.
 */
export async function connectAndSubscribe(
  consumer: Consumer,
  spec: { readonly topic: string; readonly fromBeginning: boolean; readonly closing: () => boolean },
  policy: RetryPolicy = TOPIC_READY_POLICY,
): Promise<void> {
  const { topic, fromBeginning, closing } = spec;
  await consumer.connect();
  await retry(() => consumer.subscribe({ topic, fromBeginning }), {
    policy,
    label: `subscribing to Kafka topic '${topic}'`,
    shouldRetry: (err) => !closing() && isRetriable(err),
  });
}
