/** The EventLog port and its adapters: file (local mode), Postgres, NATS JetStream, Kafka. */
export * from './port.js';
export { FileEventLog } from './file-log.js';
export type { FileEventLogOptions } from './file-log.js';
export { Watermark, WatermarkStore } from './watermarks.js';
export type { WatermarkObservation, WatermarkStoreOptions } from './watermarks.js';
export { PostgresEventLog } from './postgres-log.js';
export type { PostgresEventLogOptions } from './postgres-log.js';
export { NatsEventLog, natsToken, fromNatsToken } from './nats-log.js';
export type { NatsEventLogOptions } from './nats-log.js';
export { KafkaEventLog } from './kafka-log.js';
export type { KafkaEventLogOptions } from './kafka-log.js';
export {
  fromKafkaTopicToken,
  kafkaTopicToken,
  payloadPartition,
  payloadTopicPart,
  payloadTopics,
  topicFamily,
} from './kafka-topics.js';
export type { KafkaTopicLayout } from './kafka-topics.js';
