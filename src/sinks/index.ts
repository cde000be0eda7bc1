/**
 * Public door of the sinks: the ports, the DurableQueue every sink sits behind, dead-letter
 * routing and the local (no-server) sinks. The Kafka and ClickHouse adapters have their own
 * doors (./kafka/index.js, ./clickhouse/index.js) that only the composition root imports, so
 * kafkajs and @clickhouse/client load only when configured.
 */
export type {
  DeadLetterPublisher,
  HealthProbe,
  RawEventReader,
  RawEventStore,
  RecordQueue,
  ReplayQuery,
  SignalPublisher,
  SinkRecord,
} from './ports.js';
export { DurableQueue } from './durable-queue.js';
export type {
  CloseReport,
  DurableQueueEvents,
  DurableQueueOptions,
  EnqueueOutcome,
  OverflowPolicy,
  QueueMode,
  QueueHealth,
  QueueStats,
  ShedSpoolState,
} from './durable-queue.js';
export {
  DeadLetterRecorder,
  DEAD_LETTER_EVENT_TYPE,
  DEAD_LETTER_SCHEMA_VERSION,
  deadLetterDocument,
  deadLetterId,
  deadLetterToRawEvent,
} from './dead-letters/index.js';
export type {
  DeadLetterEvents,
  DeadLetterRecorderOptions,
  DeadLetterDocument,
} from './dead-letters/index.js';
export { LocalDeadLetterLog, LocalRawEventStore, LocalSignalLog } from './local/local-sinks.js';
export { PoisonLog } from './poison-log.js';
export type { PoisonEntry, PoisonLogOptions } from './poison-log.js';
export { isRecordRejection } from './isolate.js';
export type { LocalFileOptions } from './local/local-sinks.js';
export { formatSignalLine } from './local/format.js';
