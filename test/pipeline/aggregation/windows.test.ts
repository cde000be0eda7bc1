/** Window alignment, window keys, watermark/lateness and order-independence of the tick engine. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { TradeInput, WindowSettings } from '../../../src/pipeline/aggregation/index.js';
import {
  WindowEngine,
  epochOf,
  tickOf,
  windowKeyOf,
  windowKeyPreimage,
} from '../../../src/pipeline/aggregation/index.js';

const S: WindowSettings = {
  originMs: 1_000,
  epochWindowMs: 60_000,
  publishCadenceMs: 5_000,
  allowedLatenessMs: 2_000,
};

function trade(t: number, i: number, price: bigint, size: bigint, marketId = 'BTC'): TradeInput {
  return { marketId, eventId: i.toString(16).padStart(64, '0'), eventTimeMs: t, price, size };
}

describe('window alignment', () => {
  it('puts an event exactly on a boundary in the window that starts there', () => {
    expect(tickOf(S, 6_000)).toEqual({ epochId: 0, tickIndex: 1, startMs: 6_000, endMs: 11_000 });
    expect(tickOf(S, 5_999)).toEqual({ epochId: 0, tickIndex: 0, startMs: 1_000, endMs: 6_000 });
  });
  it('handles the first and last ms of an epoch', () => {
    expect(tickOf(S, 1_000)).toEqual({ epochId: 0, tickIndex: 0, startMs: 1_000, endMs: 6_000 });
    expect(tickOf(S, 60_999)).toEqual({ epochId: 0, tickIndex: 11, startMs: 56_000, endMs: 61_000 });
    expect(epochOf(S, 61_000)).toEqual({ epochId: 1, startMs: 61_000, endMs: 121_000 });
  });
  it('aligns times before origin to negative epochs', () => {
    expect(tickOf(S, 999)).toEqual({ epochId: -1, tickIndex: 11, startMs: -4_000, endMs: 1_000 });
  });
  it('rejects a cadence that does not tile the epoch', () => {
    expect(() => new WindowEngine({ ...S, publishCadenceMs: 7_000 }, 'drop')).toThrow(
      /multiple of publish_cadence_ms/,
    );
  });
});

describe('window key', () => {
  const k = {
    marketId: 'BTC',
    epochId: 0,
    tickIndex: 1,
    startMs: 6_000,
    endMs: 11_000,
    featureSchemaVersion: 1,
  };
  it('frames each field as u32 BE length + bytes', () => {
    const p = windowKeyPreimage(k);
    expect(p.subarray(0, 7).toString('hex')).toBe('00000003425443');
    expect(p.length).toBe(7 + 5 * 12);
  });
  it('is stable and differs when any field differs', () => {
    expect(windowKeyOf(k)).toMatch(/^[0-9a-f]{64}$/);
    expect(windowKeyOf(k)).toBe(windowKeyOf({ ...k }));
    expect(windowKeyOf({ ...k, tickIndex: -1 })).not.toBe(windowKeyOf(k));
    expect(windowKeyOf({ ...k, marketId: 'BTC1' })).not.toBe(windowKeyOf(k));
  });
});

describe('WindowEngine', () => {
  it('emits a bar once the watermark passes end + lateness, with exact VWAP', () => {
    const e = new WindowEngine(S, 'drop');
    expect(e.add(trade(1_000, 1, 100n, 2n))).toEqual([]);
    expect(e.add(trade(3_000, 2, 110n, 1n))).toEqual([]);
    expect(e.add(trade(7_999, 3, 120n, 1n))).toEqual([]); // 7 999 < 6 000 + 2 000
    const bars = e.add(trade(8_000, 4, 130n, 1n));
    expect(bars).toHaveLength(1);
    const b = bars[0];
    if (b === undefined) throw new Error('no bar');
    expect([b.open, b.high, b.low, b.close, b.volume, b.count]).toEqual([100n, 110n, 100n, 110n, 3n, 2]);
    expect(b.vwap).toBe(103n); // (200 + 110) / 3 = 103.33 truncated
    expect(b.partialCoverage).toBe(false);
  });
  it('drops and counts too-late events by default, or routes them to corrections', () => {
    for (const policy of ['drop', 'correction'] as const) {
      const e = new WindowEngine(S, policy);
      e.add(trade(20_000, 1, 100n, 1n));
      e.add(trade(18_000, 2, 100n, 1n)); // within lateness: accepted
      e.add(trade(17_999, 3, 100n, 1n)); // too late
      const bars = e.flush();
      expect(bars.reduce((n, b) => n + b.count, 0)).toBe(2);
      expect(bars.every((b) => b.partialCoverage)).toBe(true);
      if (policy === 'drop') {
        expect(bars[0]?.lateEventsDropped).toBe(1);
        expect(e.corrections).toEqual([]);
      } else {
        expect(e.corrections.map((c) => c.eventTimeMs)).toEqual([17_999]);
      }
    }
  });
  it('gives identical bars for any arrival order within lateness', () => {
    const base = Array.from({ length: 40 }, (_, i) =>
      trade(1_000 + i * 50, i, BigInt(100 + ((i * 7) % 13)), BigInt(1 + (i % 3))),
    );
    const run = (xs: TradeInput[]) => {
      const e = new WindowEngine({ ...S, allowedLatenessMs: 10_000 }, 'drop');
      return [...xs.flatMap((x) => e.add(x)), ...e.flush()].map((b) => b.featuresHash + b.windowKey);
    };
    const expected = run(base);
    expect(expected.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.shuffledSubarray(base, { minLength: base.length, maxLength: base.length }), (xs) => {
        expect(run(xs)).toEqual(expected);
      }),
    );
  });
});
