/**
 * The client-side size guard: an upper bound of the bytes one message takes on the wire as a
 * record batch of its own, compared with the broker's limit before sending. Without it one
 * oversized signal fails its whole batch at the broker (MESSAGE_TOO_LARGE), and because kafkajs
 * sends every partition of a broker in one request, the other partitions' records of that
 * request are re-sent while the queue isolates the big one.
 */
import type { KafkaMessageOut } from './client.js';
import { CONFIG_DEFAULTS } from '../../config/index.js';

/** Kafka's default `message.max.bytes` is 1 048 588; a little under it leaves room for our bound being loose. */
export const DEFAULT_MAX_MESSAGE_BYTES = CONFIG_DEFAULTS.sinks.kafka.maxMessageBytes;

/**
 * RecordBatch v2 header (61 bytes) plus the record's own fields at their widest varint sizes
 * (length 5, attributes 1, timestamp delta 10, offset delta 5, key length 5, value length 5,
 * header count 5). Overestimating by a few bytes only moves the limit by that much.
 */
const BATCH_OVERHEAD_BYTES = 61 + 36;
/** Key length and value length varints of one header, at their widest. */
const HEADER_OVERHEAD_BYTES = 10;

/** Upper bound of the uncompressed size of `message` as a record batch of one. */
export function messageBytes(message: KafkaMessageOut): number {
  let n = BATCH_OVERHEAD_BYTES + Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
  for (const [k, v] of Object.entries(message.headers)) {
    n += HEADER_OVERHEAD_BYTES + Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  return n;
}
