import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactKey, MemoryDedupStore } from '../../src/fanin/index.js';
import { dedupStoreConformance } from './dedup-store-conformance.js';
import { eventId } from '../../src/core/index.js';

const id = (n: number): string =>
  eventId({
    user: '0x1111111111111111111111111111111111111111',
    coin: 'BTC',
    side: 'B',
    tid: n,
    time: 0,
    px: '1',
    sz: '1',
  });

/** Reference model: an id is remembered until ttl after last seen, at most max ids, LRU evicted. */
class Model {
  private m = new Map<string, number>();
  constructor(
    private max: number,
    private ttl: number,
  ) {}
  claim(k: string, now: number): boolean {
    const exp = this.m.get(k);
    this.m.delete(k);
    for (const [key, e] of this.m) if (e <= now) this.m.delete(key);
    const first = exp === undefined || exp <= now;
    this.m.set(k, now + this.ttl);
    while (this.m.size > this.max) this.m.delete(this.m.keys().next().value as string);
    return first;
  }
}

describe('MemoryDedupStore', () => {
  it('lets the first arrival win and suppresses later copies, also within one batch', () => {
    const s = new MemoryDedupStore({ maxEntries: 100, ttlMs: 1000 });
    expect(s.claim([id(1), id(2), id(1)], 0)).toEqual([true, true, false]);
    expect(s.claim([id(2), id(3)], 1)).toEqual([false, true]);
    expect(s.stats()).toMatchObject({ hits: 2, misses: 3 });
  });

  it('forgets an id ttl after it was last seen (a duplicate refreshes it)', () => {
    const s = new MemoryDedupStore({ maxEntries: 100, ttlMs: 1000 });
    expect(s.claim([id(1), id(2)], 0)).toEqual([true, true]);
    expect(s.claim([id(1)], 999)).toEqual([false]); // refreshed to 1999
    expect(s.claim([id(2)], 1000)).toEqual([true]); // expired
    expect(s.claim([id(1)], 1998)).toEqual([false]);
    expect(s.has(id(1), 2997)).toBe(true);
    expect(s.has(id(1), 2998)).toBe(false);
  });

  it('is bounded: the least recently seen id is evicted', () => {
    const s = new MemoryDedupStore({ maxEntries: 3, ttlMs: 1e9, initialCapacity: 1 });
    s.claim([id(1), id(2), id(3)], 0);
    s.claim([id(1)], 1); // touch 1: LRU order is now 2,3,1
    expect(s.claim([id(4)], 2)).toEqual([true]); // evicts 2
    expect(s.size).toBe(3);
    expect(s.claim([id(1), id(3), id(4)], 3)).toEqual([false, false, false]);
    expect(s.claim([id(2)], 4)).toEqual([true]);
    expect(s.stats().evictions).toBe(2);
  });

  it('grows by doubling and keeps every id through rehashes', () => {
    const s = new MemoryDedupStore({ maxEntries: 5000, ttlMs: 1e9, initialCapacity: 2 });
    const ids = Array.from({ length: 5000 }, (_, i) => id(i + 1));
    expect(s.claim(ids, 0).every(Boolean)).toBe(true);
    expect(s.claim(ids, 1).some(Boolean)).toBe(false);
    expect(s.memoryBytes() / 5000).toBeLessThan(48);
  });

  it('accepts ids that are not hex digests', () => {
    const s = new MemoryDedupStore({ maxEntries: 10, ttlMs: 10 });
    expect(compactKey('x')).toEqual(compactKey('x'));
    expect(compactKey('x')).not.toEqual(compactKey('y'));
    expect(s.claim(['x', 'y', 'x'], 0)).toEqual([true, true, false]);
  });

  it('rejects a configuration without a bound', () => {
    expect(() => new MemoryDedupStore({ maxEntries: 0, ttlMs: 10 })).toThrow(/maxEntries/);
    expect(() => new MemoryDedupStore({ maxEntries: 10, ttlMs: 0 })).toThrow(/ttlMs/);
  });

  it('behaves like the reference LRU+TTL model for any sequence of claims', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 30 })), {
          maxLength: 300,
        }),
        (max, ops) => {
          const s = new MemoryDedupStore({ maxEntries: max, ttlMs: 50, initialCapacity: 1 });
          const m = new Model(max, 50);
          let now = 0;
          for (const [k, dt] of ops) {
            now += dt;
            expect(s.claim([id(k)], now)[0]).toBe(m.claim(id(k), now));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('MemoryDedupStore conformance', () => {
  let n = 0;
  dedupStoreConformance(
    () => new MemoryDedupStore({ maxEntries: 100, ttlMs: 60_000 }),
    () => id(1_000_000 + n++),
  );
});
