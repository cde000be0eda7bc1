/** IdSet: membership by the first 128 bits, growth, the all-zero id. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdSet } from '../../src/core/index.js';

const id = (i: number): string => createHash('sha256').update(String(i)).digest('hex');

describe('IdSet', () => {
  it('adds, finds and grows without losing ids', () => {
    const s = new IdSet(4);
    for (let i = 0; i < 10_000; i++) expect(s.add(id(i))).toBe(true);
    expect(s.size).toBe(10_000);
    for (let i = 0; i < 10_000; i++) expect(s.has(id(i))).toBe(true);
    expect(s.has(id(10_001))).toBe(false);
    expect(s.add(id(5))).toBe(false);
    expect(s.size).toBe(10_000);
    expect(s.bytes).toBeGreaterThanOrEqual(10_000 * 2 * 16);
  });

  it('handles the all-zero id', () => {
    const s = new IdSet();
    const zero = '0'.repeat(64);
    expect(s.has(zero)).toBe(false);
    expect(s.add(zero)).toBe(true);
    expect(s.add(zero)).toBe(false);
    expect(s.has(zero)).toBe(true);
  });
});
