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

  it('deletes inside colliding probe runs (also across the table end) and keeps every other id reachable', () => {
    // 16 slots: the home slot is the first word & 15, so these ids collide on purpose.
    const crafted = (home: number, k: number): string =>
      (k * 16 + home).toString(16).padStart(8, '0') + id(k * 100 + home).slice(8);
    const s = new IdSet(4);
    const live = new Set<string>();
    const all = [
      crafted(14, 1),
      crafted(14, 2),
      crafted(15, 3),
      crafted(14, 4),
      crafted(0, 5),
      crafted(1, 6),
    ];
    for (const x of all) {
      expect(s.add(x)).toBe(true);
      live.add(x);
    }
    for (const victim of [all[1], all[0], all[4]] as string[]) {
      expect(s.delete(victim)).toBe(true);
      expect(s.delete(victim)).toBe(false);
      live.delete(victim);
      for (const x of all) expect(s.has(x)).toBe(live.has(x));
      expect(s.size).toBe(live.size);
    }
  });

  it('matches a Set under random adds and deletes, and clear empties it', () => {
    const s = new IdSet(8);
    const ref = new Set<string>();
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % 300;
    for (let step = 0; step < 5_000; step++) {
      const x = id(rnd());
      if (step % 3 === 0) expect(s.delete(x)).toBe(ref.delete(x));
      else expect(s.add(x)).toBe(!ref.has(x) && ref.add(x) !== undefined);
    }
    expect(s.size).toBe(ref.size);
    for (let i = 0; i < 300; i++) expect(s.has(id(i))).toBe(ref.has(id(i)));
    s.clear();
    expect(s.size).toBe(0);
    expect(s.has(id(1))).toBe(false);
    expect(s.add(id(1))).toBe(true);
  });
});
