import { describe, expect, it } from 'vitest';
import { assignSticky, movedPartitions } from '../../src/distributed/sticky-assignment.js';
import type { StickyMember } from '../../src/distributed/sticky-assignment.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function members(prev: ReadonlyMap<string, readonly number[]>, ids: readonly string[]): StickyMember[] {
  return ids.map((memberId) => ({ memberId, previous: prev.get(memberId) ?? [] }));
}

/** Disjoint, covering, balanced: the invariants every assignment must hold. */
function expectValid(a: ReadonlyMap<string, readonly number[]>, n: number): void {
  const all = [...a.values()].flat();
  expect(new Set(all).size).toBe(all.length);
  expect([...all].sort((x, y) => x - y)).toEqual(range(n));
  const sizes = [...a.values()].map((ps) => ps.length);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
}

const subset = (small: readonly number[], big: readonly number[]): boolean =>
  small.every((p) => big.includes(p));

describe('sticky assignment', () => {
  it('one member gets every partition; no members, no assignment', () => {
    expect(assignSticky([{ memberId: 'a', previous: [] }], range(4)).get('a')).toEqual([0, 1, 2, 3]);
    expect(assignSticky([], range(4)).size).toBe(0);
  });

  it('join: the newcomer takes only its share, the others only give up partitions', () => {
    const two = assignSticky(members(new Map(), ['a', 'b']), range(64));
    expectValid(two, 64);
    const three = assignSticky(members(two, ['a', 'b', 'c']), range(64));
    expectValid(three, 64);
    expect(subset(three.get('a') ?? [], two.get('a') ?? [])).toBe(true);
    expect(subset(three.get('b') ?? [], two.get('b') ?? [])).toBe(true);
    expect(three.get('c')?.length).toBe(21);
    // Only the newcomer's partitions moved: the minimum any balanced assignment needs.
    expect(movedPartitions(two, three)).toBe(21);
  });

  it('leave: survivors keep everything they had and split the leaver’s partitions', () => {
    const three = assignSticky(members(new Map(), ['a', 'b', 'c']), range(64));
    const two = assignSticky(members(three, ['a', 'c']), range(64));
    expectValid(two, 64);
    expect(subset(three.get('a') ?? [], two.get('a') ?? [])).toBe(true);
    expect(subset(three.get('c') ?? [], two.get('c') ?? [])).toBe(true);
    expect(movedPartitions(three, two)).toBe(three.get('b')?.length);
  });

  it('rejoin (a restarted pod comes back with no memory): again only its share moves', () => {
    const three = assignSticky(members(new Map(), ['a', 'b', 'c']), range(30));
    const two = assignSticky(members(three, ['a', 'c']), range(30));
    const back = assignSticky(members(two, ['a', 'c', 'b2']), range(30));
    expectValid(back, 30);
    expect(back.get('b2')?.length).toBe(10);
    expect(movedPartitions(two, back)).toBe(10);
  });

  it('an unchanged group keeps its assignment exactly', () => {
    const first = assignSticky(members(new Map(), ['x', 'y', 'z']), range(10));
    const again = assignSticky(members(first, ['z', 'y', 'x']), range(10));
    expect(again).toEqual(first);
    expect(movedPartitions(first, again)).toBe(0);
  });

  it('conflicting stale claims give each partition one owner; unknown partitions are dropped', () => {
    const a = assignSticky(
      [
        { memberId: 'a', previous: [0, 1, 2, 9, 99] },
        { memberId: 'b', previous: [2, 3, 3] },
      ],
      range(6),
    );
    expectValid(a, 6);
    expect(a.get('a')).toEqual([0, 1, 2]);
    expect(a.get('b')).toEqual([3, 4, 5]);
  });

  it('random joins and leaves always stay valid and move no more than the imbalance requires', () => {
    let seed = 7;
    const rnd = (k: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % k;
    };
    let current = new Map<string, number[]>();
    let ids: string[] = ['m0'];
    let nextId = 1;
    for (let step = 0; step < 200; step += 1) {
      if (ids.length > 1 && rnd(2) === 0) ids = ids.filter((_, i) => i !== rnd(ids.length));
      else ids = [...ids, `m${nextId++}`];
      const next = assignSticky(members(current, ids), range(48));
      expectValid(next, 48);
      // Every surviving member keeps min(old share, new quota) partitions.
      for (const id of ids) {
        const before = current.get(id) ?? [];
        const kept = (next.get(id) ?? []).filter((p) => before.includes(p)).length;
        expect(kept).toBeGreaterThanOrEqual(Math.min(before.length, Math.floor(48 / ids.length)));
      }
      current = next;
    }
  });
});
