// Helpers for integration tests to get fresh, isolated resources on the shared services: unique
// names (topics, tables, keys never collide across files or reruns), and Kafka topic creation
// that returns only once every partition has a leader.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConfig } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import type { ProvidedServices } from './types.js';
import './types.js';

/** The endpoints of this run's services (typed `inject('services')`). */
export function services(): ProvidedServices {
  return inject('services');
}

/**
 * `prefix_<base36 time>_<random hex>`: valid as a Kafka topic, a ClickHouse table and a Redis key
 * (letters, digits and underscores only, starts with the prefix).
 */
export function uniqueName(prefix: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(prefix)) {
    throw new Error(
      `uniqueName prefix must be letters, digits and underscores, starting with a letter: '${prefix}'`,
    );
  }
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** A kafkajs client for the run's broker, quiet unless KAFKAJS_LOG_LEVEL-style debugging is wanted. */
export function testKafka(clientId = uniqueName('test'), extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId, brokers: services().kafka.brokers, logLevel: logLevel.NOTHING, ...extra });
}

export interface CreateTopicOptions {
  partitions?: number;
  /** Extra topic configs, e.g. { 'retention.ms': '60000' }. */
  configs?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Creates `topic` with N partitions (replication factor 1) and waits until the metadata shows a
 * leader for every partition, so a producer's first send does not race the election.
 */
export async function createTopic(topic: string, opts: CreateTopicOptions = {}): Promise<void> {
  const partitions = opts.partitions ?? 1;
  const admin = testKafka('harness-admin').admin();
  await admin.connect();
  try {
    const configEntries = Object.entries(opts.configs ?? {}).map(([name, value]) => ({ name, value }));
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }],
      waitForLeaders: true,
      timeout: opts.timeoutMs ?? 30_000,
    });
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const parts = meta.topics[0]?.partitions ?? [];
      if (parts.length === partitions && parts.every((p) => p.leader >= 0)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `topic ${topic}: ${parts.filter((p) => p.leader >= 0).length}/${partitions} partitions have a leader after the deadline`,
        );
      }
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

/** Polls `check` until it returns true or the deadline passes (then throws with `what`). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(50);
  }
}
