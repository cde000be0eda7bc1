/**
 * The RangeSource conformance suite: every range source (the assembling source behind the
 * Hyperliquid fills and candles, the EVM block range source) runs the same cases, which are
 * what the backfill worker relies on to resume and repeat chunks idempotently: a chunk fetched
 * again gives the same events byte for byte, and adjacent chunks add up to the whole range with
 * every event in exactly one chunk, inside that chunk's half-open bounds.
 */
import { describe, expect, it } from 'vitest';
import type { RangeChunk, RangeSource } from '../../../src/pipeline/backfill/index.js';
import type { NormalizedEvent } from '../../../src/pipeline/envelope/index.js';

export interface RangeSourceUnderTest {
  readonly source: RangeSource;
  /** A range holding events (the suite checks it is not empty). */
  readonly whole: RangeChunk;
  /** Where an event sits in the range's unit: its event time, or its block number. */
  position(e: NormalizedEvent): number;
}

export interface RangeSourceHarness {
  readonly name: string;
  open(): Promise<RangeSourceUnderTest>;
  readonly timeoutMs?: number;
}

/** `whole` cut into `n` adjacent chunks of about equal length. */
function cut(whole: RangeChunk, n: number): RangeChunk[] {
  const len = whole.to - whole.from;
  const bounds = Array.from({ length: n + 1 }, (_, i) => whole.from + Math.floor((len * i) / n));
  return bounds.slice(0, -1).map((from, index) => ({ index, from, to: bounds[index + 1] as number }));
}

export function rangeSourceConformance(h: RangeSourceHarness): void {
  const timeout = h.timeoutMs ?? 30_000;
  const signal = new AbortController().signal;

  describe(`${h.name}: RangeSource conformance`, () => {
    it(
      'a chunk fetched again gives the same events, byte for byte',
      async () => {
        const { source, whole } = await h.open();
        const a = await source.fetchChunk(whole, signal);
        const b = await source.fetchChunk(whole, signal);
        expect(a.length).toBeGreaterThan(0);
        expect(b).toEqual(a);
        expect(new Set(a.map((e) => e.eventId)).size).toBe(a.length);
      },
      timeout,
    );

    it(
      'adjacent chunks add up to the whole: each event in exactly one chunk, inside its bounds',
      async () => {
        const { source, whole, position } = await h.open();
        const all = await source.fetchChunk(whole, signal);
        const chunks = cut(whole, 3);
        const parts = await Promise.all(chunks.map((c) => source.fetchChunk(c, signal)));
        const ids = parts.flat().map((e) => e.eventId);
        expect(ids.length).toBe(all.length);
        expect(new Set(ids)).toEqual(new Set(all.map((e) => e.eventId)));
        // At least two chunks hold events, or the split proves nothing.
        expect(parts.filter((p) => p.length > 0).length).toBeGreaterThan(1);
        chunks.forEach((c, i) => {
          for (const e of parts[i] ?? []) {
            expect(position(e), `${e.eventId} in [${c.from}, ${c.to})`).toBeGreaterThanOrEqual(c.from);
            expect(position(e), `${e.eventId} in [${c.from}, ${c.to})`).toBeLessThan(c.to);
          }
        });
      },
      timeout,
    );
  });
}
