/**
 * Helpers for distributed-mode integration tests: a config with unique topics and groups on the
 * shared broker, the kafkajs client, bronze records numbered per influencer, and a wait that is
 * woken by ownership onChange events (no sleeps).
 */
import { silentLogger } from '../../src/core/index.js';
import { DistributedKafkaConfig } from '../../src/config/index.js';
import { distributedKafka } from '../../src/distributed/index.js';
import type { KafkaListenerOwnership } from '../../src/distributed/index.js';
import { services, uniqueName } from '../harness/index.js';

export function testConfig(bronzePartitions = 4, coordinationPartitions = 12): DistributedKafkaConfig {
  const fast = { sessionTimeoutMs: 6000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 10_000 };
  return DistributedKafkaConfig.parse({
    groupIdPrefix: uniqueName('dist'),
    createTopics: true,
    replicationFactor: 1,
    bronze: { topic: uniqueName('bronze'), partitions: bronzePartitions, commitIntervalMs: 10, ...fast },
    coordination: { topic: uniqueName('coord'), partitions: coordinationPartitions, ...fast },
  });
}

export const kafka = () =>
  distributedKafka({ brokers: services().kafka.brokers, clientId: uniqueName('dist') }, silentLogger);

export { numberOf, numbered } from '../handoff/records.js';

/** Resolves when `check` holds, re-checked after every onChange of any member (rejects after ms). */
export function whenOwnership(
  members: readonly KafkaListenerOwnership[],
  check: () => boolean,
  what: string,
  ms = 60_000,
): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    let done = false;
    const t = setTimeout(() => {
      done = true;
      reject(
        new Error(
          `timed out after ${ms} ms waiting for ${what}: ${JSON.stringify(members.map((m) => m.status()))}`,
        ),
      );
    }, ms);
    const test = (): void => {
      if (done || !check()) return;
      done = true;
      clearTimeout(t);
      resolve(performance.now() - start);
    };
    for (const m of members) m.onChange(test);
    test();
  });
}
