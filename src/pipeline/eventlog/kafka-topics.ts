/**
 * How the Kafka EventLog names its topics: a layout maps each port partition to exactly one
 * single-partition topic and back (so listing the broker's topics lists the log's partitions).
 * One topic per port partition keeps the port's semantics: that topic's Kafka offsets are the
 * partition's offsets, its order is the partition's order, and replay by offset or time is Kafka's.
 *
 * - `topicFamily(prefix)`: `<prefix>.<partition token>`, e.g. quarantine `ingestion.quarantine.v1.SANITY_FAILED`.
 *   `bare` names one partition that owns `<prefix>` itself: bronze's single arrival-order
 *   partition is the topic `ingestion.pipeline.raw.v1`, exactly the spec's bronze name.
 * - `payloadTopics(prefix)`: the silver split of the 254Carbon topic names
 *   `normalized.market.<payload>.v<n>`. The port partition is `<payload>.v<n>/<partition key>`
 *   (payloadPartition() builds it) and its topic `<prefix>.<payload>.v<n>.<partition token>`:
 *   the spec's topic as a family, one topic per market under it (subscribe by the pattern
 *   `^normalized\.market\.trade_tick\.v1\.`), so per-market order, offsets and watermarks stay.
 */
import { ValidationError } from '../../core/index.js';
import { nameTokenCodec } from './name-token.js';

export interface KafkaTopicLayout {
  /** What the log is called in errors and logs. */
  readonly name: string;
  topicOf(partition: string): string;
  /** The port partition a topic holds; undefined for a topic that is not this log's. */
  partitionOf(topic: string): string | undefined;
}

/** A partition name as a topic suffix: [A-Za-z0-9-] kept, every other UTF-8 byte as _XX. */
const tokens = nameTokenCodec(/^[A-Za-z0-9-]$/, '_');
export const kafkaTopicToken = (partition: string): string => tokens.encode(partition);
export const fromKafkaTopicToken = (token: string): string => tokens.decode(token);
const TOKEN = /^[A-Za-z0-9_-]+$/;
/** A token this codec wrote (so decoding it round-trips); a foreign topic's suffix is not claimed. */
const ownToken = (t: string): string | undefined => {
  if (!TOKEN.test(t)) return undefined;
  const p = fromKafkaTopicToken(t);
  return kafkaTopicToken(p) === t ? p : undefined;
};

export function topicFamily(prefix: string, bare?: string): KafkaTopicLayout {
  const dot = `${prefix}.`;
  return {
    name: prefix,
    topicOf: (p) => (p === bare ? prefix : `${dot}${kafkaTopicToken(p)}`),
    partitionOf(topic) {
      if (topic === prefix) return bare;
      if (!topic.startsWith(dot)) return undefined;
      return ownToken(topic.slice(dot.length));
    },
  };
}

/** `TRADE_TICK_V1` → `trade_tick.v1`: the payload part of a silver topic and partition. */
export function payloadTopicPart(payloadType: string): string {
  const m = /^([A-Z0-9_]+?)_V(\d+)$/.exec(payloadType);
  if (m === null)
    throw new ValidationError(`payload type ${payloadType} has no _V<n> suffix`, ['payloadType']);
  return `${(m[1] as string).toLowerCase()}.v${m[2]}`;
}

/** The silver port partition of an event: `<payload>.v<n>/<partition key>`. */
export const payloadPartition = (payloadType: string, partitionKey: string): string =>
  `${payloadTopicPart(payloadType)}/${partitionKey}`;

const PAYLOAD_PARTITION = /^([a-z0-9_]+\.v\d+)\/(.+)$/s;

export function payloadTopics(prefix: string): KafkaTopicLayout {
  const dot = `${prefix}.`;
  return {
    name: `${prefix}.<payload>.v<n>`,
    topicOf(p) {
      const m = PAYLOAD_PARTITION.exec(p);
      if (m === null) {
        throw new ValidationError(
          `kafka silver log: partition "${p}" is not <payload>.v<n>/<key> (the events log splits topics by payload)`,
          ['partition'],
        );
      }
      return `${dot}${m[1] as string}.${kafkaTopicToken(m[2] as string)}`;
    },
    partitionOf(topic) {
      if (!topic.startsWith(dot)) return undefined;
      const m = /^([a-z0-9_]+\.v\d+)\.([A-Za-z0-9_-]+)$/.exec(topic.slice(dot.length));
      const key = m === null ? undefined : ownToken(m[2] as string);
      return key === undefined ? undefined : `${(m as RegExpExecArray)[1] as string}/${key}`;
    },
  };
}
