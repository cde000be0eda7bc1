/**
 * Helpers for distributed-mode integration tests: a config with unique topics and groups on the
 * shared broker, the kafkajs client, bronze records numbered per influencer, and a wait that is
 * woken by ownership onChange events (no sleeps).
 */
import { silentLogger } from '../../src/core/index.js';
import { dec } from '../../src/core/index.js';
import type { Address } from '../../src/core/index.js';
import { DistributedKafkaConfig } from '../../src/config/index.js';
import { distributedKafka } from '../../src/distributed/index.js';
import type { KafkaListenerOwnership } from '../../src/distributed/index.js';
import type { HandoffRecord } from '../../src/handoff/index.js';
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

const USER = '0x2222222222222222222222222222222222222222' as Address;

/** Record n of `influencerId`: alternates fills and position snapshots, with awkward decimals. */
export function numbered(influencerId: string, n: number): HandoffRecord {
  if (n % 2 === 0) {
    return {
      kind: 'positions',
      influencerId,
      listenerId: `${influencerId}/primary`,
      receivedAt: n,
      user: USER,
      time: n,
      positions: { BTC: `${n}.000000000000000001` },
    };
  }
  return {
    kind: 'fills',
    influencerId,
    listenerId: `${influencerId}/secondary`,
    receivedAt: n,
    fills: [
      {
        eventId: `${influencerId}-${n}`,
        user: USER,
        coin: 'BTC',
        side: 'B',
        px: dec('97012.123456789012345678'),
        sz: dec(`0.${String(n).padStart(12, '0')}1`),
        time: n,
        startPosition: dec('-99999999999.99999999'),
        dir: 'Open Long',
        tid: n,
        oid: n,
        hash: null,
        crossed: true,
        fee: '0.01',
        closedPnl: '0',
        liquidation: null,
        twapId: null,
        source: {
          listenerId: `${influencerId}/secondary`,
          listenerKind: 'user-stream',
          delivery: 'live',
          receivedAt: n,
        },
      },
    ],
  };
}

/** The number a numbered() record carries. */
export const numberOf = (r: HandoffRecord): number => r.receivedAt;

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
