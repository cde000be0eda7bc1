/** Window alignment and window keys (golden vectors for both: test/pipeline/aggregation/contracts.test.ts). */
import { describe, expect, it } from 'vitest';
import type { WindowSettings } from '../../../src/pipeline/aggregation/index.js';
import {
  checkSettings,
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
    expect(() => checkSettings({ ...S, publishCadenceMs: 7_000 })).toThrow(/multiple of publish_cadence_ms/);
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
