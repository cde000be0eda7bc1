/**
 * WatermarkStore: per-partition event time / ingest time / last id, monotonic, persisted across
 * reopen, lag from a fake clock, and the backfill policy flag.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WatermarkStore } from '../../../src/pipeline/eventlog/index.js';

const fakeClock = (start: number) => {
  let t = start;
  return { now: () => t, set: (v: number) => (t = v) };
};
const file = () => join(mkdtempSync(join(tmpdir(), 'wm-')), 'watermarks.json');

describe('WatermarkStore', () => {
  it('tracks event time, ingest time and last id per partition and derives lag', () => {
    const clock = fakeClock(10_000);
    const s = WatermarkStore.open({ file: file(), backfillAdvances: false, now: clock.now });
    expect(s.lagMs('a')).toBeUndefined();
    expect(s.observe({ partition: 'a', eventId: 'e1', eventTimeMs: 9_000, backfill: false })).toBe(true);
    expect(s.observe({ partition: 'b', eventId: 'e2', eventTimeMs: 9_500, backfill: false })).toBe(true);
    clock.set(12_000);
    expect(s.get('a')).toEqual({
      partition: 'a',
      eventTimeMs: 9_000,
      ingestTimeMs: 10_000,
      lastEventId: 'e1',
    });
    expect(s.lagMs('a')).toBe(3_000);
    expect(s.lagMs('b')).toBe(2_500);
  });

  it('never moves event time backwards for a late record', () => {
    const s = WatermarkStore.open({ file: file(), backfillAdvances: false, now: () => 1 });
    expect(s.observe({ partition: 'a', eventId: 'e2', eventTimeMs: 200, backfill: false })).toBe(true);
    expect(s.observe({ partition: 'a', eventId: 'e1', eventTimeMs: 100, backfill: false })).toBe(false);
    expect(s.get('a')?.lastEventId).toBe('e2');
    expect(s.get('a')?.eventTimeMs).toBe(200);
  });

  it('backfill advances the watermark only when the policy allows it', () => {
    const denied = WatermarkStore.open({ file: file(), backfillAdvances: false, now: () => 1 });
    denied.observe({ partition: 'a', eventId: 'live', eventTimeMs: 100, backfill: false });
    expect(denied.get('a')?.lastEventId).toBe('live');
    expect(denied.observe({ partition: 'a', eventId: 'bf', eventTimeMs: 500, backfill: true })).toBe(false);
    expect(denied.get('a')?.eventTimeMs).toBe(100);

    const allowed = WatermarkStore.open({ file: file(), backfillAdvances: true, now: () => 1 });
    expect(allowed.observe({ partition: 'a', eventId: 'bf', eventTimeMs: 500, backfill: true })).toBe(true);
    expect(allowed.get('a')?.eventTimeMs).toBe(500);
  });

  it('persists and reloads every partition', () => {
    const f = file();
    const s = WatermarkStore.open({ file: f, backfillAdvances: false, now: () => 7 });
    s.observe({ partition: 'b', eventId: 'x', eventTimeMs: 3, backfill: false });
    s.observe({ partition: 'a', eventId: 'y', eventTimeMs: 4, backfill: false });
    s.persist();
    const again = WatermarkStore.open({ file: f, backfillAdvances: false, now: () => 9 });
    expect(again.all()).toEqual([
      { partition: 'a', eventTimeMs: 4, ingestTimeMs: 7, lastEventId: 'y' },
      { partition: 'b', eventTimeMs: 3, ingestTimeMs: 7, lastEventId: 'x' },
    ]);
  });

  it('refuses a damaged file with a named error instead of resetting to zero', () => {
    const f = file();
    writeFileSync(f, '{"version":1,"watermarks":[{"partition":"a"}]}');
    expect(() => WatermarkStore.open({ file: f, backfillAdvances: false, now: () => 0 })).toThrow(
      /watermark file .* is damaged/,
    );
    writeFileSync(f, 'not json');
    expect(() => WatermarkStore.open({ file: f, backfillAdvances: false, now: () => 0 })).toThrow(
      /not valid JSON/,
    );
  });
});
