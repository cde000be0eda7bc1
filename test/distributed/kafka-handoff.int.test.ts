/**
 * The Kafka hand-off on the real broker: listener-side sink -> bronze topic -> processor-side
 * source. Per-influencer order and exact decimals survive the trip; offsets are committed only
 * for acked deliveries, so a processor closed with unacked deliveries loses nothing: the next
 * member of the group gets exactly the records after the last ack.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core/index.js';
import { wireHandoffMetrics } from '../../src/app/handoff-metrics-wiring.js';
import { HANDOFF_METRIC_NAMES as N, HandoffMetrics } from '../../src/obs/index.js';
import { KafkaHandoffSink, KafkaHandoffSource } from '../../src/distributed/index.js';
import type { HandoffDelivery, HandoffRecord } from '../../src/handoff/index.js';
import { eventually } from '../harness/index.js';
import { kafka, numberOf, numbered, testConfig } from './helpers.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

function sinkFor(config: ReturnType<typeof testConfig>): KafkaHandoffSink {
  const sink = new KafkaHandoffSink({ kafka: kafka(), config, logger: silentLogger });
  closers.push(() => sink.close());
  return sink;
}

function sourceFor(config: ReturnType<typeof testConfig>): KafkaHandoffSource {
  const source = new KafkaHandoffSource({ kafka: kafka(), config, logger: silentLogger });
  closers.push(() => source.close());
  return source;
}

const byKey = (records: readonly HandoffRecord[]): Map<string, number[]> => {
  const m = new Map<string, number[]>();
  for (const r of records) m.set(r.influencerId, [...(m.get(r.influencerId) ?? []), numberOf(r)]);
  return m;
};
/** One sample's value from a registry (labels must match exactly the ones given). */
async function sampleOf(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const text = await registry.getSingleMetricAsString(name.replace(/_(count|sum)$/, ''));
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${want}}`));
  if (line === undefined) throw new Error(`${name}{${want}} not in:\n${text}`);
  return Number(line.split(' ').pop());
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('Kafka hand-off (bronze topic)', () => {
  it('sink -> source keeps per-influencer order and exact decimals, and commits acked offsets', async () => {
    const config = testConfig(4);
    const sink = sinkFor(config);
    // Each end's metrics as its own process would register them.
    const listenerRegistry = new Registry();
    wireHandoffMetrics({
      metrics: HandoffMetrics.on(listenerRegistry),
      clock: systemClock,
      role: 'listeners',
      listenerGroup: 'A',
      seam: { sink },
    });
    await sink.start();
    const keys = ['inf-a', 'inf-b', 'inf-c', 'inf-d', 'inf-e'];
    for (let n = 0; n < 200; n += 1) for (const k of keys) sink.publish(numbered(k, n));
    await sink.flush();
    expect(sink.status()).toMatchObject({ sent: 1000, overflowed: 0, queued: 0 });

    const L = { role: 'listeners', group: 'A' };
    expect(await sampleOf(listenerRegistry, N.bronzePublished, L)).toBe(1000);
    expect(await sampleOf(listenerRegistry, `${N.bronzePublishLatency}_count`, L)).toBe(1000);

    const got: HandoffRecord[] = [];
    const source = sourceFor(config);
    const processorRegistry = new Registry();
    const processorMetrics = wireHandoffMetrics({
      metrics: HandoffMetrics.on(processorRegistry),
      clock: systemClock,
      role: 'processor',
      listenerGroup: 'A',
      seam: { source },
    });
    await source.start((d: HandoffDelivery) => {
      got.push(...d.records);
      d.ack();
    });
    await eventually(() => got.length >= 1000, `1000 records (got ${got.length})`, 60_000);
    expect(got.length).toBe(1000);
    for (const k of keys) expect(byKey(got).get(k)).toEqual(range(0, 200));

    const fill = got.find((r) => r.kind === 'fills' && r.influencerId === 'inf-c' && numberOf(r) === 7);
    if (fill?.kind !== 'fills') throw new Error('fill 7 of inf-c missing');
    const f = fill.fills[0];
    expect(f?.px.toFixed()).toBe('97012.123456789012345678');
    expect(f?.sz.toFixed()).toBe('0.0000000000071');
    expect(f?.startPosition?.toFixed()).toBe('-99999999999.99999999');
    const pos = got.find((r) => r.kind === 'positions' && r.influencerId === 'inf-c' && numberOf(r) === 8);
    if (pos?.kind !== 'positions') throw new Error('snapshot 8 of inf-c missing');
    expect(pos.positions).toEqual({ BTC: '8.000000000000000001' });

    // Every record acked: committed offsets reach the end of every partition (lag 0).
    await eventually(
      () => {
        const parts = source.status().partitions;
        return parts.length === 4 && parts.every((p) => p.lag === 0);
      },
      `lag 0 on every partition: ${JSON.stringify(source.status().partitions)}`,
    );
    const P = { role: 'processor' };
    expect(await sampleOf(processorRegistry, N.bronzeConsumed, P)).toBe(1000);
    expect(await sampleOf(processorRegistry, N.bronzePartitions, P)).toBe(4);
    expect(await sampleOf(processorRegistry, N.bronzeBadRecords, P)).toBe(0);
    expect(await sampleOf(processorRegistry, N.bronzeCommits, { ...P, outcome: 'ok' })).toBeGreaterThan(0);
    expect(await sampleOf(processorRegistry, N.bronzeLastCommit, P)).toBeGreaterThan(0);
    processorMetrics.sample();
    for (const partition of ['0', '1', '2', '3'])
      expect(await sampleOf(processorRegistry, N.bronzeLag, { ...P, partition })).toBe(0);
  });

  it('a processor closed with unacked deliveries loses nothing: the next member resumes after the last ack', async () => {
    const config = testConfig(2);
    const sink = sinkFor(config);
    await sink.start();
    const keys = ['inf-1', 'inf-2', 'inf-3'];

    const first = sourceFor(config);
    const firstGot: HandoffRecord[] = [];
    const unacked: HandoffDelivery[] = [];
    let ackNow = true;
    await first.start((d) => {
      firstGot.push(...d.records);
      if (ackNow) d.ack();
      else unacked.push(d);
    });
    // Phase 1: acked.
    for (let n = 0; n < 20; n += 1) for (const k of keys) sink.publish(numbered(k, n));
    await sink.flush();
    await eventually(() => firstGot.length >= 60, `phase 1 delivered (got ${firstGot.length})`);
    await eventually(
      () => first.status().partitions.every((p) => p.lag === 0),
      `phase 1 committed: ${JSON.stringify(first.status().partitions)}`,
    );
    // Phase 2: delivered but never acked.
    ackNow = false;
    for (let n = 20; n < 50; n += 1) for (const k of keys) sink.publish(numbered(k, n));
    await sink.flush();
    await eventually(() => firstGot.length >= 150, `phase 2 delivered (got ${firstGot.length})`);
    expect(unacked.length).toBeGreaterThan(0);
    expect(first.status().partitions.reduce((s, p) => s + p.unacked, 0)).toBe(90);
    await first.close();
    // A late ack after close is ignored (it must not commit past what the next owner reads).
    for (const d of unacked) d.ack();

    const second = sourceFor(config);
    const secondGot: HandoffRecord[] = [];
    await second.start((d) => {
      secondGot.push(...d.records);
      d.ack();
    });
    await eventually(() => secondGot.length >= 90, `re-delivery (got ${secondGot.length})`);
    // Exactly the unacked records, in order per key: none lost, none of the acked ones repeated.
    for (const k of keys) expect(byKey(secondGot).get(k)).toEqual(range(20, 50));
    expect(secondGot.length).toBe(90);
  });
});
