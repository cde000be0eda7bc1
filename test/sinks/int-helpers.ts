/**
 * Helpers for the sinks' integration tests: build SinkRecords, read a whole topic back with a
 * fresh consumer group, and check per-key order (first occurrence of n before n+1).
 */
import type { KafkaMessage } from 'kafkajs';
import { eventually, testKafka, topicMessage, uniqueName } from '../harness/index.js';
import type { SinkRecord } from '../../src/sinks/index.js';

export const FAST_RETRY = {
  initialDelayMs: 100,
  maxDelayMs: 1000,
  factor: 2,
  maxAttempts: Infinity,
  jitter: 0.2,
};

export function signal(n: number, keys: number, createdAt = Date.now()): SinkRecord {
  const key = `inf-${n % keys}|BTC`;
  return {
    id: `sig-${n}`,
    key,
    value: JSON.stringify({ n, key }),
    headers: { 'schema-version': '1', 'content-type': 'application/json', 'trace-id': `trace-${n}` },
    createdAt,
  };
}

export interface Consumed {
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Everything in `topic` from the beginning: waits until `atLeast` messages arrived and the
 * consumer reached the high watermark of every partition (read once `atLeast` is there), so a
 * duplicate written before the call is read too.
 */
export async function readTopic(topic: string, atLeast: number, timeoutMs = 60_000): Promise<Consumed[]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('g'), allowAutoTopicCreation: false });
  const out: Consumed[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }: { message: KafkaMessage; partition: number }) => {
        out.push({ ...topicMessage(message, partition), offset: message.offset });
      },
    });
    await eventually(
      () => out.length >= atLeast,
      `${atLeast} messages in ${topic} (got ${out.length})`,
      timeoutMs,
    );
    const admin = testKafka().admin();
    await admin.connect();
    let total = 0;
    try {
      for (const p of await admin.fetchTopicOffsets(topic)) total += Number(p.high);
    } finally {
      await admin.disconnect();
    }
    await eventually(
      () => out.length >= total,
      `the high watermarks of ${topic}: ${total} messages (got ${out.length})`,
      timeoutMs,
    );
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** Per key, n values in topic order; violations = places where a first occurrence goes backwards. */
export function orderReport(messages: readonly Consumed[]): {
  readonly ids: string[];
  readonly distinct: number;
  readonly duplicates: number;
  readonly violations: string[];
} {
  const seen = new Set<string>();
  const lastByKey = new Map<string, number>();
  const violations: string[] = [];
  let duplicates = 0;
  const ids: string[] = [];
  for (const m of messages) {
    const { n } = JSON.parse(m.value) as { n: number };
    const id = `sig-${n}`;
    ids.push(id);
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    const last = lastByKey.get(m.key);
    if (last !== undefined && n < last) violations.push(`${m.key}: ${n} after ${last}`);
    lastByKey.set(m.key, n);
  }
  return { ids, distinct: seen.size, duplicates, violations };
}
