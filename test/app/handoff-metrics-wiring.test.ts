import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TypedEmitter, silentLogger } from '../../src/core/index.js';
import { DistributedKafkaConfig } from '../../src/config/index.js';
import { KafkaHandoffSink } from '../../src/distributed/index.js';
import type {
  BronzeMessage,
  BronzeProducer,
  HandoffSourceEvents,
  HandoffSourceStatus,
  ListenerOwnershipEvents,
  ListenerOwnershipStatus,
} from '../../src/distributed/index.js';
import { HANDOFF_METRIC_NAMES as N, HandoffMetrics } from '../../src/obs/index.js';
import { wireHandoffMetrics } from '../../src/app/handoff-metrics-wiring.js';
import type { HandoffRecord } from '../../src/handoff/index.js';
import { ManualClock, until } from '../kit/index.js';

/** Sum of a metric's samples whose labels include `labels` (`_count` etc. via `sample`). */
async function value(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
  sample = name,
): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as {
    value: number;
    labels: Record<string, unknown>;
    metricName?: string;
  }[];
  const hits = values.filter(
    (v) =>
      (v.metricName ?? name) === sample &&
      Object.entries(labels).every(([k, x]) => String(v.labels[k]) === x),
  );
  return hits.length === 0 ? undefined : hits.reduce((a, v) => a + v.value, 0);
}

function rec(n: number, receivedAt: number): HandoffRecord {
  return {
    kind: 'positions',
    influencerId: 'inf-1',
    listenerId: 'inf-1/primary',
    receivedAt,
    user: '0x1111111111111111111111111111111111111111',
    time: n,
    positions: { BTC: String(n) },
  };
}

class FakeProducer implements BronzeProducer {
  failNext = 0;
  sends: BronzeMessage[][] = [];
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async send(r: { messages: BronzeMessage[] }): Promise<unknown> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('broker down');
    }
    this.sends.push(r.messages);
    return [];
  }
}

/** Emits the listener-group ownership's real event type; status() as the adapter reports it. */
class FakeOwnership {
  readonly events = new TypedEmitter<ListenerOwnershipEvents>();
  partitions: number[] = [];
  owned = 0;
  status(): ListenerOwnershipStatus {
    return {
      group: 'B',
      groupId: 'g',
      memberId: 'm',
      partitions: this.partitions,
      owned: this.owned,
      influencers: 40,
      rebalances: 0,
      lastRebalancePauseMs: null,
    };
  }
}

/** Emits the bronze consumer's real event type; status() carries per-partition lag. */
class FakeSource {
  readonly events = new TypedEmitter<HandoffSourceEvents>();
  lag = new Map<number, number | null>();
  status(): HandoffSourceStatus {
    return {
      groupId: 'p',
      topic: 't',
      memberId: 'm',
      partitions: [...this.lag].map(([partition, lag]) => ({
        partition,
        committed: null,
        acked: null,
        delivered: null,
        highWatermark: null,
        lag,
        unacked: 0,
      })),
      deliveries: 0,
      badRecords: 0,
      rebalances: 0,
      lastRebalancePauseMs: null,
    };
  }
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('hand-off metrics, listener side', () => {
  it('count published and refused records, send errors, receipt -> ack latency, labelled role and group', async () => {
    const registry = new Registry();
    const clock = new ManualClock(1_000_000);
    const producer = new FakeProducer();
    const config = DistributedKafkaConfig.parse({
      bronze: { lingerMs: 0, maxBatchRecords: 10, queueMaxRecords: 3, retryInitialDelayMs: 100 },
    });
    const sink = new KafkaHandoffSink({ config, logger: silentLogger, producer, clock });
    const ownership = new FakeOwnership();
    const wiring = wireHandoffMetrics({
      metrics: HandoffMetrics.on(registry),
      clock,
      role: 'listeners',
      listenerGroup: 'B',
      seam: { sink, ownership },
    });
    const L = { role: 'listeners', group: 'B' };
    // Every series is there at 0 before anything happens.
    expect(await value(registry, N.bronzePublished, L)).toBe(0);
    expect(await value(registry, N.bronzeFailed, { ...L, reason: 'overflow' })).toBe(0);

    // Five records received 40 ms before the publish, before the producer is up: the queue holds
    // three and refuses two. The broker then fails once; the retry acks 200 ms later.
    for (let n = 1; n <= 5; n += 1) sink.publish(rec(n, clock.now() - 40));
    expect(sink.status().overflowed).toBe(2);
    expect(await value(registry, N.bronzeFailed, { ...L, reason: 'overflow' })).toBe(2);
    producer.failNext = 1;
    await sink.start();
    await until(() => sink.status().failedSends === 1);
    expect(await value(registry, N.bronzeSendErrors, L)).toBe(1);
    expect(await value(registry, N.bronzePublished, L)).toBe(0);
    clock.advance(200); // past the 100 ms backoff and its jitter
    await until(() => sink.status().sent === 3);
    expect(await value(registry, N.bronzePublished, L)).toBe(3);
    const H = N.bronzePublishLatency;
    expect(await value(registry, H, L, `${H}_count`)).toBe(3);
    // Each was received 240 ms before its ack: 0.72 s in all, all three in the 0.25 s bucket.
    expect(await value(registry, H, L, `${H}_sum`)).toBeCloseTo(0.72);
    expect(await value(registry, H, { ...L, le: '0.1' }, `${H}_bucket`)).toBe(0);
    expect(await value(registry, H, { ...L, le: '0.25' }, `${H}_bucket`)).toBe(3);
    // A closed sink refuses.
    await sink.close();
    sink.publish(rec(6, clock.now()));
    expect(await value(registry, N.bronzeFailed, { ...L, reason: 'closed' })).toBe(1);

    // Ownership: each assignment counts as a rebalance and sets both gauges; a list change is sampled.
    ownership.events.emit('assigned', { partitions: [0, 3, 5], owned: 11, pauseMs: null });
    expect(await value(registry, N.ownershipRebalances, L)).toBe(1);
    expect(await value(registry, N.coordinationPartitions, L)).toBe(3);
    expect(await value(registry, N.influencersOwned, L)).toBe(11);
    ownership.events.emit('assigned', { partitions: [0], owned: 4, pauseMs: 120 });
    expect(await value(registry, N.ownershipRebalances, L)).toBe(2);
    expect(await value(registry, N.coordinationPartitions, L)).toBe(1);
    ownership.partitions = [0];
    ownership.owned = 5;
    wiring.sample();
    expect(await value(registry, N.influencersOwned, L)).toBe(5);
    // Nothing is labelled with the other group.
    expect(await value(registry, N.bronzePublished, { role: 'listeners', group: 'A' })).toBeUndefined();
  });
});

describe('hand-off metrics, processor side', () => {
  it('count consumed and bad records, commits, partitions owned and lag per partition', async () => {
    const registry = new Registry();
    const clock = new ManualClock(1_700_000_000_000);
    const source = new FakeSource();
    const wiring = wireHandoffMetrics({
      metrics: HandoffMetrics.on(registry),
      clock,
      role: 'processor',
      listenerGroup: 'A',
      seam: { source },
    });
    const P = { role: 'processor' };
    expect(await value(registry, N.bronzeConsumed, P)).toBe(0);
    expect(await value(registry, N.bronzeCommits, { ...P, outcome: 'ok' })).toBe(0);

    source.events.emit('assigned', { partitions: [0, 1, 2], revoked: [], pauseMs: null });
    expect(await value(registry, N.bronzePartitions, P)).toBe(3);
    expect(await value(registry, N.bronzeRebalances, P)).toBe(1);
    source.events.emit('delivered', { partition: 0, records: 5, transitMs: [3, 40] });
    source.events.emit('delivered', { partition: 2, records: 2, transitMs: [] });
    expect(await value(registry, N.bronzeConsumed, P)).toBe(7);
    // Transit per fills record (positions and listener states carry none).
    expect(await value(registry, N.bronzeTransit, P, `${N.bronzeTransit}_count`)).toBe(2);
    expect(await value(registry, N.bronzeTransit, P, `${N.bronzeTransit}_sum`)).toBeCloseTo(0.043, 6);
    source.events.emit('badRecord', {
      partition: 0,
      offset: '9',
      error: new Error('bad') as never,
    });
    expect(await value(registry, N.bronzeBadRecords, P)).toBe(1);
    source.events.emit('committed', { partitions: [{ partition: 0, offset: '6' }] });
    expect(await value(registry, N.bronzeCommits, { ...P, outcome: 'ok' })).toBe(1);
    expect(await value(registry, N.bronzeLastCommit, P)).toBe(1_700_000_000);
    source.events.emit('commitError', { error: new Error('rebalancing') });
    expect(await value(registry, N.bronzeCommits, { ...P, outcome: 'error' })).toBe(1);

    source.lag = new Map([
      [0, 4],
      [1, null],
      [2, 0],
    ]);
    wiring.sample();
    expect(await value(registry, N.bronzeLag, { ...P, partition: '0' })).toBe(4);
    expect(await value(registry, N.bronzeLag, { ...P, partition: '2' })).toBe(0);
    expect(await value(registry, N.bronzeLag, { ...P, partition: '1' })).toBeUndefined(); // unknown yet
    // A revoked partition's lag series goes with it.
    source.events.emit('assigned', { partitions: [2], revoked: [0, 1], pauseMs: 50 });
    expect(await value(registry, N.bronzePartitions, P)).toBe(1);
    expect(await value(registry, N.bronzeLag, { ...P, partition: '2' })).toBe(0);
    expect(await value(registry, N.bronzeLag, { ...P, partition: '0' })).toBeUndefined();
  });

  it('one HandoffMetrics per registry: a second wiring on the same registry does not re-register', () => {
    const registry = new Registry();
    expect(HandoffMetrics.on(registry)).toBe(HandoffMetrics.on(registry));
  });
});
