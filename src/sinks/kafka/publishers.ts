/**
 * The Kafka implementations of the SignalPublisher and DeadLetterPublisher ports. Both are thin
 * mappings onto a TopicProducer: signals keep the record's key (influencer|market) and headers;
 * dead letters are keyed by listener id and carry their reason as a header too, so a consumer
 * can filter without parsing the value.
 */
import type { DeadLetter } from '../../core/index.js';
import { DEAD_LETTER_SCHEMA_VERSION, deadLetterDocument } from '../dead-letters/index.js';
import type { DeadLetterPublisher, SignalPublisher, SinkRecord } from '../ports.js';
import type { KafkaMessageOut } from './client.js';
import type { TopicProducer } from './producer.js';

export class KafkaSignalPublisher implements SignalPublisher {
  constructor(readonly producer: TopicProducer) {}

  publish(records: readonly SinkRecord[]): Promise<void> {
    return this.producer.send(records.map(toMessage));
  }
  ping(): Promise<boolean> {
    return this.producer.ping();
  }
  close(): Promise<void> {
    return this.producer.close();
  }
}

export function toMessage(record: SinkRecord): KafkaMessageOut {
  return { key: record.key, value: record.value, headers: { ...record.headers } };
}

export class KafkaDeadLetterPublisher implements DeadLetterPublisher {
  constructor(readonly producer: TopicProducer) {}

  publish(letters: readonly DeadLetter[]): Promise<void> {
    return this.producer.send(
      letters.map((l) => ({
        key: l.listenerId,
        value: JSON.stringify(deadLetterDocument(l)),
        headers: {
          'content-type': 'application/json',
          'schema-version': DEAD_LETTER_SCHEMA_VERSION,
          reason: l.reason,
        },
      })),
    );
  }
  ping(): Promise<boolean> {
    return this.producer.ping();
  }
  close(): Promise<void> {
    return this.producer.close();
  }
}
