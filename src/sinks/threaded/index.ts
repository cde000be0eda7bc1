/**
 * Public door of the threaded sink: a DurableQueue and its signal sink on a worker thread,
 * behind the RecordQueue port. Imported lazily by the composition root, like the Kafka door.
 */
export { ThreadedQueue } from './threaded-queue.js';
export type { ThreadedQueueOptions } from './threaded-queue.js';
export type { ThreadedQueueSpec, ThreadedSinkSpec } from './messages.js';
export type { GcKind, GcPause } from './gc-pauses.js';
