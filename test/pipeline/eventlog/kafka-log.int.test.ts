/** The shared EventLog conformance suite against the Kafka backend (the harness's broker). */
import { describe, expect, it } from 'vitest';
import {
  KafkaEventLog,
  fromKafkaTopicToken,
  kafkaTopicToken,
  topicFamily,
} from '../../../src/pipeline/eventlog/index.js';
import { services, uniqueName } from '../../harness/index.js';
import { eventLogConformance } from './conformance.js';

const open = (topic: string): Promise<KafkaEventLog> =>
  KafkaEventLog.open({
    brokers: services().kafka.brokers,
    topics: topicFamily(topic),
    replicationFactor: 1,
    clientId: 'elog-test',
    readTimeoutMs: 30_000,
  });

eventLogConformance('kafka', () => {
  const topic = uniqueName('elog');
  return { open: () => open(topic) };
});

describe('kafka event log: partition topics', () => {
  it('escapes a partition name into a valid topic suffix and back', () => {
    expect(kafkaTopicToken('BTC#0')).toBe('BTC_230');
    expect(kafkaTopicToken('a_b.c')).toBe('a_5Fb_2Ec');
    for (const p of ['BTC#0', 'a_b.c', 'ümlaut/x', 'plain-1']) {
      expect(kafkaTopicToken(p)).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(fromKafkaTopicToken(kafkaTopicToken(p))).toBe(p);
    }
  });
});
