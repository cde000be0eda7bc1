import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/index.js';
import type { RangeManifest } from '../../../src/pipeline/backfill/index.js';
import { manifestKey, rangeSplitter } from '../../../src/pipeline/backfill/index.js';

const m = (from: number, to: number, chunkSize: number): RangeManifest => ({
  connectorId: 'hl',
  kind: 'time',
  from,
  to,
  chunkSize,
});

describe('rangeSplitter', () => {
  it('cuts an exact multiple into equal half-open chunks', () => {
    expect(rangeSplitter(m(0, 30, 10))).toEqual([
      { index: 0, from: 0, to: 10 },
      { index: 1, from: 10, to: 20 },
      { index: 2, from: 20, to: 30 },
    ]);
  });

  it('ends with a shorter chunk when the range is not a multiple', () => {
    expect(rangeSplitter(m(5, 28, 10))).toEqual([
      { index: 0, from: 5, to: 15 },
      { index: 1, from: 15, to: 25 },
      { index: 2, from: 25, to: 28 },
    ]);
  });

  it('gives one chunk when chunkSize exceeds the range, none for an empty range', () => {
    expect(rangeSplitter(m(100, 101, 1000))).toEqual([{ index: 0, from: 100, to: 101 }]);
    expect(rangeSplitter(m(7, 7, 3))).toEqual([]);
  });

  it('covers the range exactly, without overlap, and is deterministic', () => {
    const a = rangeSplitter(m(1_700_000_000_000, 1_700_000_999_999, 60_000));
    expect(a).toEqual(rangeSplitter(m(1_700_000_000_000, 1_700_000_999_999, 60_000)));
    expect(a[0]?.from).toBe(1_700_000_000_000);
    expect(a.at(-1)?.to).toBe(1_700_000_999_999);
    for (let i = 1; i < a.length; i++) expect(a[i]?.from).toBe(a[i - 1]?.to);
  });

  it.each([
    [m(10, 5, 1), /to \(5\) is before from \(10\)/],
    [m(0, 10, 0), /chunkSize must be > 0/],
    [m(0, 10, 1.5), /chunkSize must be a non-negative integer/],
    [m(-1, 10, 1), /from must be a non-negative integer/],
    [m(0, Number.NaN, 1), /to must be a non-negative integer/],
    [m(0, 10_000_000, 1), /exceeds 1000000 chunks/],
    [{ ...m(0, 1, 1), kind: 'slot' as never }, /kind must be 'time' or 'block'/],
    [{ ...m(0, 1, 1), connectorId: '' }, /connectorId must be a non-empty string/],
  ])('rejects a bad manifest with an error naming the problem (%#)', (bad, message) => {
    expect(() => rangeSplitter(bad)).toThrow(ValidationError);
    expect(() => rangeSplitter(bad)).toThrow(message);
  });

  it('names a manifest by a stable key', () => {
    expect(manifestKey({ ...m(0, 10, 5), kind: 'block' })).toBe('hl.block.0-10.5');
  });
});
