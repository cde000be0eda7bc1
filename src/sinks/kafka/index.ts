/**
 * Kafka adapters (kafkajs). Only the composition root imports this file: it is the one door
 * through which kafkajs enters the process, so `src/sinks/index.ts` stays free of it.
 */
import { silentLogger } from '../../core/index.js';
import type { Logger } from '../../core/index.js';
import { kafkajsFactory } from './client.js';
import type { KafkaClientFactory, KafkaConnectionOptions } from './client.js';
import { TopicProducer } from './producer.js';
import type { TopicCreation } from './producer.js';
import { KafkaDeadLetterPublisher, KafkaSignalPublisher } from './publishers.js';

export { KafkaDeadLetterPublisher, KafkaSignalPublisher, toMessage } from './publishers.js';
export { TopicProducer } from './producer.js';
export type { TopicCreation, TopicProducerEvents, TopicProducerOptions } from './producer.js';
export { kafkajsFactory, kafkajsLogCreator } from './client.js';
export type {
  AdminLike,
  KafkaClientFactory,
  KafkaConnectionOptions,
  KafkaMessageOut,
  ProducerLike,
} from './client.js';
export {
  FATAL_PRODUCER_ERROR_TYPES,
  RECORD_REJECTED_ERROR_TYPES,
  isFatalProducerError,
  isRecordRejectedError,
} from './fatal.js';
export { DEFAULT_MAX_MESSAGE_BYTES, messageBytes } from './size.js';
export { partitionOf } from './partition-sends.js';
export { KeyPartitions, rememberingPartitioner } from './partitioner.js';
export { kafkaConnection } from './connection.js';
export type { KafkaConnection, KafkaConnectionSettings } from './connection.js';
export { kafkaTlsOptions } from './tls.js';
export { TOPIC_READY_POLICY, createTopicsAndWait, untilTopicLed } from './topic-ready.js';
export type { TopicReadyAdmin, TopicToCreate } from './topic-ready.js';
export type { KafkaTlsFiles } from './tls.js';

export const DEFAULT_SIGNAL_TOPIC = 'influencer_signals';
export const DEFAULT_DLQ_TOPIC = 'influencer_signals.dlq';

export interface KafkaSinkOptions extends KafkaConnectionOptions {
  /** Default `influencer_signals` (signals) / `influencer_signals.dlq` (dead letters). */
  readonly topic?: string;
  /** Create the topic when missing (config flag); false = it must already exist. */
  readonly createTopic?: TopicCreation | false;
  /** Larger messages are refused before sending (SINK_RECORD_REJECTED). Default 1 000 000. */
  readonly maxMessageBytes?: number;
  readonly logger?: Logger;
  /** Tests: a fake client instead of kafkajs. */
  readonly factory?: KafkaClientFactory;
}

export function createKafkaSignalPublisher(options: KafkaSinkOptions): KafkaSignalPublisher {
  const logger = options.logger ?? silentLogger;
  return new KafkaSignalPublisher(
    new TopicProducer({
      topic: options.topic ?? DEFAULT_SIGNAL_TOPIC,
      factory: options.factory ?? kafkajsFactory(options, logger),
      createTopic: options.createTopic ?? false,
      ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
      logger,
    }),
  );
}

export function createKafkaDeadLetterPublisher(options: KafkaSinkOptions): KafkaDeadLetterPublisher {
  const logger = options.logger ?? silentLogger;
  return new KafkaDeadLetterPublisher(
    new TopicProducer({
      topic: options.topic ?? DEFAULT_DLQ_TOPIC,
      factory: options.factory ?? kafkajsFactory(options, logger),
      createTopic: options.createTopic ?? false,
      ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
      logger,
    }),
  );
}
