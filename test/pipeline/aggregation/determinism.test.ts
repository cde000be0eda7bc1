/**
 * Determinism (M0 aggregation spec, §13): the same events in any arrival order within the
 * allowed lateness, under any partitioning (markets split over engines, a market sharded over
 * event-log partitions) and replayed from the file event log give byte-identical FeatureVectors
 * and features_hash. Late data: each policy drops or routes the too-late event and leaves the
 * vectors as if it never came, with the drop counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { AGGREGATION_METRIC_NAMES, AggregationMetrics } from '../../../src/obs/index.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  aggEventOf,
  encodeVector,
  FEATURE_SCHEMA,
  LogAggregator,
  WindowEngine,
} from '../../../src/pipeline/aggregation/index.js';
import type { FeatureVector, LatePolicy, MarketSettings } from '../../../src/pipeline/aggregation/index.js';
import { encodeEnvelope } from '../../../src/pipeline/envelope/index.js';
import type { NormalizedEvent } from '../../../src/pipeline/envelope/index.js';
import { FileEventLog } from '../../../src/pipeline/eventlog/index.js';
import { mixedStream, PX, SETTINGS, T0, trade } from './fixtures.js';

const MARKETS = ['m.BTC', 'm.ETH', 'm.SOL'];
const S: MarketSettings = { ...SETTINGS, allowedLatenessMs: 3_000 };
const STREAM = mixedStream(600, MARKETS, T0, 41);

function run(xs: readonly NormalizedEvent[], s = S, policy: LatePolicy = 'drop'): FeatureVector[] {
  const e = new WindowEngine({ settingsFor: () => s, latePolicy: policy });
  return [...xs.flatMap((x) => e.add(aggEventOf(x))), ...e.flush()];
}

/** Canonical bytes of every vector, in a fixed order (emission interleaves markets by arrival). */
function canon(vs: readonly FeatureVector[]): string[] {
  return vs.map((v) => Buffer.from(encodeVector(FEATURE_SCHEMA, v)).toString('hex')).sort();
}

/** An arrival order where no event arrives after one more than `lateness` newer (within lateness). */
function jittered(
  xs: readonly NormalizedEvent[],
  jitter: readonly number[],
  lateness: number,
): NormalizedEvent[] {
  return xs
    .map((x, i) => ({ x, at: x.eventTimeMs + Math.floor((jitter[i % jitter.length] ?? 0) * lateness) }))
    .sort((a, b) => a.at - b.at)
    .map((a) => a.x);
}

const expected = canon(run(STREAM));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('determinism', () => {
  it('the reference run emits every kind of window for every market', () => {
    const vs = run(STREAM);
    expect(new Set(vs.map((v) => v.marketId))).toEqual(new Set(MARKETS));
    expect(new Set(vs.map((v) => v.kind))).toEqual(new Set(['tick', 'rolling', 'epoch']));
    expect(vs.some((v) => v.features['largest_mover'] !== undefined)).toBe(true);
    expect(vs.some((v) => v.features['source_divergence_bps'] !== undefined)).toBe(true);
  });

  it('any arrival order within the allowed lateness gives byte-identical vectors and hashes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 64 }),
        (j) => {
          const order = jittered(STREAM, j, S.allowedLatenessMs);
          expect(canon(run(order))).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('markets split over several engines give the same vectors as one engine', () => {
    fc.assert(
      fc.property(fc.func(fc.integer({ min: 0, max: 3 })), (assign) => {
        const parts = new Map<number, NormalizedEvent[]>();
        for (const m of MARKETS) {
          const k = assign(m);
          parts.set(k, [...(parts.get(k) ?? []), ...STREAM.filter((x) => x.marketId === m)]);
        }
        expect(canon([...parts.values()].flatMap((p) => run(p)))).toEqual(expected);
      }),
      { numRuns: 10 },
    );
  });

  it('replay from the file event log, one market sharded over 4 partitions, gives the same vectors', async () => {
    for (const batchRecords of [7, 1000]) {
      const dir = mkdtempSync(join(tmpdir(), 'agg-replay-'));
      dirs.push(dir);
      const log = FileEventLog.open({ dir, segmentBytes: 1 << 20, indexIntervalRecords: 16, fsync: 'flush' });
      const sharded = mixedStream(600, MARKETS, T0, 41).map((x) => x); // same events
      await log.append(
        sharded.map((x, i) => ({
          // m.BTC spread over 4 partitions by event id, as partitionKeyOf does for a hot market.
          partition: x.marketId === 'm.BTC' ? `${x.marketId}#${i % 4}` : x.marketId,
          eventId: x.eventId,
          timestampMs: x.eventTimeMs,
          bytes: encodeEnvelope(x),
        })),
      );
      expect((await log.partitions()).length).toBe(6);
      const got: FeatureVector[] = [];
      const agg = new LogAggregator({
        log,
        engine: new WindowEngine({ settingsFor: () => S, latePolicy: 'drop' }),
        emit: (vs) => void got.push(...vs),
        batchRecords,
      });
      await agg.drain();
      await agg.flush();
      expect(agg.consumed).toBe(600);
      expect(canon(got)).toEqual(expected);
      await log.close();
    }
  });
});

describe('late data', () => {
  const B = 60_000 * 200;
  const base = [
    trade(B + 100, 100n * PX, PX, 1n),
    trade(B + 6_000, 101n * PX, PX, 2n),
    trade(B + 12_000, 102n * PX, PX, 3n), // watermark 12 000: too late is < 9 000
  ];
  const late = trade(B + 8_999, 90n * PX, PX, 4n);
  const inTime = trade(B + 9_000, 90n * PX, PX, 5n);

  it.each(['drop', 'correction'] as const)(
    '%s: the too-late event changes no vector and is counted',
    (policy) => {
      const without = run([...base, trade(B + 30_000, PX, PX, 9n)], S, policy);
      const e = new WindowEngine({ settingsFor: () => S, latePolicy: policy });
      const got = [
        ...[...base, late, trade(B + 30_000, PX, PX, 9n)].flatMap((x) => e.add(aggEventOf(x))),
        ...e.flush(),
      ];
      expect(got.map((v) => v.featuresHash)).toEqual(without.map((v) => v.featuresHash));
      // The drop is reported once, in the coverage of the market's next vector.
      expect(got.reduce((n, v) => n + v.coverage.lateEventsDropped, 0)).toBe(1);
      if (policy === 'drop') {
        expect(e.stats.lateDropped).toBe(1);
        expect(e.takeCorrections()).toEqual([]);
      } else {
        expect(e.stats.corrected).toBe(1);
        expect(e.takeCorrections().map((c) => c.eventId)).toEqual([late.eventId]);
        expect(e.takeCorrections()).toEqual([]);
      }
    },
  );

  it('an event exactly at watermark − lateness is accepted', () => {
    const e = new WindowEngine({ settingsFor: () => S, latePolicy: 'drop' });
    const out = [...base, inTime].flatMap((x) => e.add(aggEventOf(x)));
    const ticks = [...out, ...e.flush()].filter((v) => v.kind === 'tick');
    expect(e.stats.lateDropped).toBe(0);
    expect(ticks.reduce((n, v) => n + Number(v.features['trade_count']), 0)).toBe(4);
  });
});

describe('correction path through the log consumer', () => {
  it('hands each too-late event to onCorrections once, and keeps none in the engine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agg-corr-'));
    dirs.push(dir);
    const log = FileEventLog.open({ dir, segmentBytes: 1 << 20, indexIntervalRecords: 16, fsync: 'flush' });
    const B = 60_000 * 300;
    const append = (xs: NormalizedEvent[]) =>
      log.append(
        xs.map((x) => ({
          partition: x.marketId,
          eventId: x.eventId,
          timestampMs: x.eventTimeMs,
          bytes: encodeEnvelope(x),
        })),
      );
    const corrected: string[] = [];
    const engine = new WindowEngine({ settingsFor: () => S, latePolicy: 'correction' });
    const agg = new LogAggregator({
      log,
      engine,
      emit: () => undefined,
      onCorrections: (es) => void corrected.push(...es.map((e) => e.eventId)),
      batchRecords: 100,
    });
    const registry = new Registry();
    const m = new AggregationMetrics(registry);
    agg.events.on('emitted', m.emitted);
    agg.events.on('late', m.late);
    await append([trade(B + 100, PX, PX, 1n), trade(B + 20_000, PX, PX, 2n)]);
    await agg.drain();
    expect(engine.watermarkOf('m.BTC')).toBe(B + 20_000);
    const late = trade(B + 200, PX, PX, 3n);
    await append([late]);
    await agg.drain();
    await agg.flush();
    expect(agg.consumed).toBe(3);
    expect(corrected).toEqual([late.eventId]);
    expect(engine.takeCorrections()).toEqual([]);
    const metrics = await registry.getMetricsAsJSON();
    const values = (name: string) => metrics.find((x) => x.name === name)?.values ?? [];
    expect(values(AGGREGATION_METRIC_NAMES.lateEvents)).toEqual([
      expect.objectContaining({ labels: { policy: 'correction' }, value: 1 }),
    ]);
    const vectors = values(AGGREGATION_METRIC_NAMES.vectors);
    expect(vectors).toContainEqual(expect.objectContaining({ labels: { kind: 'tick', revision: '1' } }));
    expect(vectors).toContainEqual(expect.objectContaining({ labels: { kind: 'tick', revision: '0' } }));
    await log.close();
  });
});
