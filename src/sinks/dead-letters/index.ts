/**
 * Public door of dead letters: how a DeadLetter is written down (one document shape for the
 * Kafka DLQ, the local NDJSON file and the raw store) and the recorder that routes each one
 * through its own DurableQueue so a DLQ outage never stalls the pipeline.
 */
export { DeadLetterRecorder } from './recorder.js';
export type { DeadLetterEvents, DeadLetterRecorderOptions } from './recorder.js';
export {
  DEAD_LETTER_EVENT_TYPE,
  DEAD_LETTER_SCHEMA_VERSION,
  deadLetterDocument,
  deadLetterId,
  deadLetterToRawEvent,
} from './record.js';
export type { DeadLetterDocument } from './record.js';
