/** FifoMap and FifoSet: Map/Set semantics in insertion order, the oldest in O(1), a bounded queue. */
import { describe, expect, it } from 'vitest';
import { FifoMap, FifoSet } from '../../src/core/index.js';

/** Deterministic draws in [0, 1) (a 32-bit LCG is plenty to pick operations), so a failure replays. */
const rng = (seed: number): (() => number) => {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296;
};

describe('FifoMap', () => {
  it('keeps insertion order; a key set again keeps its place and takes the new value', () => {
    const m = new FifoMap<string, number>();
    m.set('a', 1).set('b', 2).set('c', 3);
    m.set('a', 10);
    expect([...m]).toEqual([
      ['a', 10],
      ['b', 2],
      ['c', 3],
    ]);
    expect(m.oldestKey()).toBe('a');
    expect(m.oldest()).toBe(10);
    expect(m.get('b')).toBe(2);
    expect(m.has('c')).toBe(true);
    expect(m.size).toBe(3);
  });

  it('finds the oldest past deleted entries, and a deleted key added again is the newest', () => {
    const m = new FifoMap<string, number>();
    for (const [i, k] of ['a', 'b', 'c', 'd'].entries()) m.set(k, i);
    expect(m.delete('a')).toBe(true);
    expect(m.delete('b')).toBe(true);
    expect(m.delete('b')).toBe(false);
    expect(m.oldestKey()).toBe('c');
    m.delete('c');
    m.set('c', 9);
    expect([...m.entries()].map(([k]) => k)).toEqual(['d', 'c']);
    expect(m.shift()).toBe('d');
    expect(m.shift()).toBe('c');
    expect(m.shift()).toBeUndefined();
    expect(m.oldest()).toBeUndefined();
    expect(m.size).toBe(0);
  });

  it('lets a sweep delete the entry it was just given', () => {
    const m = new FifoMap<number, number>();
    for (let i = 0; i < 10; i++) m.set(i, i);
    const seen: number[] = [];
    for (const [k] of m) {
      seen.push(k);
      if (k % 2 === 0) m.delete(k);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...m].map(([k]) => k)).toEqual([1, 3, 5, 7, 9]);
  });

  it('agrees with a Map on 20 000 random operations, oldest included', () => {
    const next = rng(17);
    const m = new FifoMap<number, number>();
    const model = new Map<number, number>();
    for (let step = 0; step < 20_000; step++) {
      const key = Math.floor(next() * 300);
      const op = next();
      if (op < 0.5) {
        m.set(key, step);
        model.set(key, step);
      } else if (op < 0.8) {
        expect(m.delete(key)).toBe(model.delete(key));
      } else {
        const oldest = model.keys().next();
        expect(m.shift()).toBe(oldest.done ? undefined : oldest.value);
        if (!oldest.done) model.delete(oldest.value);
      }
      expect(m.size).toBe(model.size);
      const first = model.entries().next();
      expect(m.oldestKey()).toBe(first.done ? undefined : first.value[0]);
      expect(m.oldest()).toBe(first.done ? undefined : first.value[1]);
    }
    expect(model.size).toBeGreaterThan(0);
    expect([...m]).toEqual([...model]);
  });

  it('keeps its order queue within twice its size when entries are deleted without reaching the front', () => {
    const m = new FifoMap<number, number>();
    m.set(-1, -1); // a long-lived entry at the front: nothing behind it is ever consumed
    for (let i = 0; i < 100_000; i++) {
      m.set(i, i);
      expect(m.queueLength).toBeLessThanOrEqual(2 * m.size + 1025);
      m.delete(i);
    }
    expect(m.oldestKey()).toBe(-1);
    expect(m.size).toBe(1);
  });

  it('clear() empties it', () => {
    const m = new FifoMap<string, number>();
    m.set('a', 1);
    m.clear();
    expect(m.size).toBe(0);
    expect(m.oldestKey()).toBeUndefined();
    m.set('b', 2);
    expect(m.oldestKey()).toBe('b');
  });
});

describe('FifoSet', () => {
  it('keeps insertion order; a member added again keeps its place', () => {
    const s = new FifoSet<string>();
    s.add('a').add('b').add('a');
    expect([...s]).toEqual(['a', 'b']);
    expect(s.oldest()).toBe('a');
    s.delete('a');
    s.add('a');
    expect([...s.values()]).toEqual(['b', 'a']);
    expect(s.shift()).toBe('b');
    expect(s.has('b')).toBe(false);
    expect(s.size).toBe(1);
  });

  it('as a window of the last N: evicting the oldest keeps exactly the newest N', () => {
    const s = new FifoSet<number>();
    for (let i = 0; i < 50_000; i++) {
      s.add(i);
      if (s.size > 1000) s.shift();
    }
    expect(s.size).toBe(1000);
    expect(s.oldest()).toBe(49_000);
    expect(s.has(48_999)).toBe(false);
    expect(s.has(49_000)).toBe(true);
    expect(s.queueLength).toBeLessThanOrEqual(2 * s.size + 1025);
  });

  it('agrees with a Set on 20 000 random operations', () => {
    const next = rng(5);
    const s = new FifoSet<number>();
    const model = new Set<number>();
    for (let step = 0; step < 20_000; step++) {
      const key = Math.floor(next() * 200);
      const op = next();
      if (op < 0.5) {
        s.add(key);
        model.add(key);
      } else if (op < 0.8) {
        expect(s.delete(key)).toBe(model.delete(key));
      } else {
        const oldest = model.values().next();
        expect(s.shift()).toBe(oldest.done ? undefined : oldest.value);
        if (!oldest.done) model.delete(oldest.value);
      }
      const first = model.values().next();
      expect(s.oldest()).toBe(first.done ? undefined : first.value);
    }
    expect(model.size).toBeGreaterThan(0);
    expect([...s]).toEqual([...model]);
  });
});
