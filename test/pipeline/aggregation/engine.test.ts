/** The window engine: features of a hand-computed window, tick/rolling/epoch emission, early emit, skew. */
import { describe, expect, it } from 'vitest';
import {
  aggEventOf,
  decodeVector,
  encodeVector,
  FEATURE_SCHEMA,
  WindowEngine,
} from '../../../src/pipeline/aggregation/index.js';
import type { FeatureVector, LatePolicy } from '../../../src/pipeline/aggregation/index.js';
import { QUALITY_FLAGS } from '../../../src/pipeline/envelope/index.js';
import type { NormalizedEvent } from '../../../src/pipeline/envelope/index.js';
import { PX, SETTINGS, signal, trade } from './fixtures.js';

const engine = (policy: LatePolicy = 'drop', s = SETTINGS) =>
  new WindowEngine({ settingsFor: () => s, latePolicy: policy });
const feed = (e: WindowEngine, xs: readonly NormalizedEvent[]): FeatureVector[] => [
  ...xs.flatMap((x) => e.add(aggEventOf(x))),
];
const only = <T>(xs: readonly T[]): T => {
  expect(xs).toHaveLength(1);
  return xs[0] as T;
};

// Epoch 0 is [0, 60 000); ticks of 5 000; lateness 2 000. Base time inside epoch 1 000 000/60 000.
const B = 60_000 * 100; // start of epoch 100, tick 0

describe('tick window features', () => {
  const xs = [
    trade(B + 100, 100n * PX, 2n * PX, 1n),
    signal(B + 150, 'whale-a', 'LONG', 3n * PX, 3n * PX),
    trade(B + 200, 110n * PX, 1n * PX, 2n, { lag: 40 }),
    signal(B + 250, 'whale-b', 'SHORT', -1n * PX, -1n * PX),
    trade(B + 300, 99n * PX, 1n * PX, 3n),
    signal(B + 400, 'whale-c', 'LONG', 1n * PX, 1n * PX),
    signal(B + 450, 'whale-b', 'SHORT', -5n * PX, -6n * PX),
  ];
  const e = engine();
  feed(e, xs);
  const out = feed(e, [trade(B + 7_000, 100n * PX, PX, 9n)]); // watermark 7 000 ≥ 5 000 + 2 000
  const tick = only(out.filter((v) => v.kind === 'tick'));

  it('computes bars, volume, VWAP and the volatility proxy exactly', () => {
    const f = tick.features;
    expect([f['open'], f['high'], f['low'], f['close']]).toEqual([100n * PX, 110n * PX, 99n * PX, 99n * PX]);
    expect(f['trade_count']).toBe(3n);
    expect(f['volume']).toBe(4n * PX);
    expect(f['notional']).toBe(409n * PX); // 200 + 110 + 99
    expect(f['vwap']).toBe((409n * PX * PX) / (4n * PX)); // 102.25
    // |110−100|/100 = 1 000 bps, |99−110|/110 = 1 000 bps: mean 1 000.00 bps (scale 2)
    expect(f['volatility_bps']).toBe(100_000);
  });

  it('computes influencer consensus: net flow, long/short, largest mover, ratio', () => {
    const f = tick.features;
    expect(f['signal_count']).toBe(4n);
    expect(f['influencer_net_flow']).toBe(-2n * PX); // 3 − 1 + 1 − 5
    expect(f['influencers_long']).toBe(2n);
    expect(f['influencers_short']).toBe(1n);
    expect(f['largest_mover']).toBe('whale-b'); // |−6| > |3|
    expect(f['largest_mover_flow']).toBe(-6n * PX);
    expect(f['consensus_ratio']).toBe(6_666); // 2 / 3, scale 4, truncated
  });

  it('fills coverage, freshness, latency and flags, and round-trips its bytes', () => {
    expect(tick.coverage).toEqual({
      sourcesExpected: 1,
      sourcesSeen: 2,
      eventsSeen: 7,
      lateEventsDropped: 0,
      staleEventsSeen: 0,
    });
    expect(tick.features['freshness_ms']).toBe(BigInt(5_000 - 450));
    expect(tick.features['latency_max_ms']).toBe(40n);
    expect(tick.features['latency_mean_ms']).toBe(BigInt(Math.floor((6 * 10 + 40) / 7)));
    expect(tick.revision).toBe(1);
    expect(tick.qualityFlags).toBe(0);
    expect([tick.epochId, tick.tickIndex, tick.startMs, tick.endMs]).toEqual([100, 0, B, B + 5_000]);
    expect(decodeVector(FEATURE_SCHEMA, encodeVector(FEATURE_SCHEMA, tick))).toEqual(tick);
  });

  it('emits a rolling vector per configured size at the tick end', () => {
    const rolling = out.filter((v) => v.kind === 'rolling');
    expect(rolling.map((v) => [v.startMs, v.endMs])).toEqual([
      [B - 10_000, B + 5_000],
      [B - 25_000, B + 5_000],
    ]);
    // Only one tick is held, so both carry its features.
    for (const r of rolling) expect(r.featuresHash).toBe(tick.featuresHash);
    expect(new Set(out.map((v) => v.windowKey)).size).toBe(out.length);
  });
});

describe('rolling and epoch windows', () => {
  it('a rolling window equals the fold of its own events; the epoch covers every tick', () => {
    const xs: NormalizedEvent[] = [];
    for (let i = 0; i < 40; i++)
      xs.push(
        trade(B + i * 1_500, BigInt(100 + ((i * 7) % 9)) * PX, BigInt(1 + (i % 3)) * PX, BigInt(i + 1)),
      );
    const e = engine();
    const out = [...feed(e, xs), ...feed(e, [trade(B + 200_000, PX, PX, 999n)])];
    const rolling = out.filter(
      (v) => v.kind === 'rolling' && v.endMs === B + 40_000 && v.startMs === B + 10_000,
    );
    const r = only(rolling);
    // Independently: one engine whose single tick is exactly [B+10 000, B+40 000).
    const ref = new WindowEngine({
      settingsFor: () => ({
        ...SETTINGS,
        originMs: B + 10_000,
        publishCadenceMs: 30_000,
        epochWindowMs: 30_000,
        rollingWindowsMs: [],
      }),
      latePolicy: 'drop',
    });
    const inside = xs.filter((x) => x.eventTimeMs >= B + 10_000 && x.eventTimeMs < B + 40_000);
    feed(ref, inside);
    const refTick = only(ref.flush().filter((v) => v.kind === 'tick'));
    expect(r.features).toEqual({ ...refTick.features, freshness_ms: r.features['freshness_ms'] });
    const epoch = only(out.filter((v) => v.kind === 'epoch' && v.epochId === 100));
    expect(epoch.tickIndex).toBe(-1);
    expect(epoch.coverage.eventsSeen).toBe(40);
    expect(epoch.features['trade_count']).toBe(40n);
    expect(epoch.revision).toBe(1);
    // Emitted in time order: after the epoch's last tick (index 11) and its rolling windows.
    const iLastTick = out.findIndex((v) => v.kind === 'tick' && v.epochId === 100 && v.tickIndex === 11);
    expect(iLastTick).toBeGreaterThan(-1);
    expect(out.indexOf(epoch)).toBe(iLastTick + 3);
  });

  it('holds closed ticks only while a rolling or epoch window needs them', () => {
    const e = engine('drop', { ...SETTINGS, epochWindowMs: 20_000, rollingWindowsMs: [10_000] });
    for (let i = 0; i < 200; i++) e.add(aggEventOf(trade(B + i * 5_000, PX, PX, BigInt(i + 1))));
    expect(e.stats.emitted).toBeGreaterThan(300);
    expect(e.openWindowCount()).toBeLessThanOrEqual(6);
  });
});

describe('early emit and skew', () => {
  it('flags an early emit PARTIAL_COVERAGE with revision 0', () => {
    const e = engine();
    feed(e, [trade(B + 100, 100n * PX, PX, 1n)]);
    const out = e.flush();
    expect(out.map((v) => v.kind)).toEqual(['tick', 'rolling', 'rolling', 'epoch']);
    for (const v of out) {
      expect(v.qualityFlags & QUALITY_FLAGS.PARTIAL_COVERAGE).toBe(QUALITY_FLAGS.PARTIAL_COVERAGE);
      expect(v.revision).toBe(0);
    }
  });

  it('flags missing sources PARTIAL_COVERAGE and ORs the inputs’ flags', () => {
    const e = engine('drop', { ...SETTINGS, sourcesExpected: 2 });
    feed(e, [trade(B + 100, 100n * PX, PX, 1n, { flags: QUALITY_FLAGS.OUTLIER_DETECTED })]);
    const v = only(feed(e, [trade(B + 8_000, 100n * PX, PX, 2n)]).filter((x) => x.kind === 'tick'));
    expect(v.revision).toBe(1);
    expect(v.qualityFlags).toBe(QUALITY_FLAGS.PARTIAL_COVERAGE | QUALITY_FLAGS.OUTLIER_DETECTED);
    expect(v.coverage.sourcesSeen).toBe(1);
  });

  it('refuses an event beyond the skew bound instead of letting it drag the watermark', () => {
    const e = engine();
    feed(e, [trade(B + 100, 100n * PX, PX, 1n)]);
    feed(e, [trade(B + 100_000, 100n * PX, PX, 2n, { lag: -6_000 })]);
    expect(e.stats.futureRefused).toBe(1);
    expect(e.watermarkOf('m.BTC')).toBe(B + 100);
    const v = e.flush().find((x) => x.kind === 'tick');
    expect(v?.qualityFlags ?? 0).toBe(QUALITY_FLAGS.PARTIAL_COVERAGE | QUALITY_FLAGS.FUTURE_EVENT_TIME);
  });

  it('counts stale inputs in coverage', () => {
    const e = engine('drop', { ...SETTINGS, maxStalenessMs: 100 });
    feed(e, [trade(B + 100, PX, PX, 1n, { lag: 101 }), trade(B + 200, PX, PX, 2n, { lag: 99 })]);
    expect(e.flush().find((x) => x.kind === 'tick')?.coverage.staleEventsSeen).toBe(1);
  });
});
