/** The planner's slot filter (issue #17): group A places only primaries, group B only secondaries. */
import { describe, expect, it } from 'vitest';
import type { PlannerInput } from '../../src/listeners/index.js';
import { planListeners } from '../../src/listeners/index.js';

const addr = (i: number): string => `0x${i.toString(16).padStart(40, '0')}`;
const input = (slots: 'both' | 'primary' | 'secondary'): PlannerInput => ({
  influencers: Array.from({ length: 6 }, (_, i) => ({
    id: `inf-${i}`,
    address: addr(i + 1),
    priority: 6 - i,
    enabled: true,
  })),
  pools: [
    { name: 'a', limits: { users: 10, connections: 10, subscriptions: 1000 } },
    { name: 'b', limits: { users: 10, connections: 10, subscriptions: 1000 } },
  ],
  coinUniverse: 50,
  options: { slots },
});

describe('planner slots', () => {
  it('both (the default and role all) places a primary and a secondary for every influencer', () => {
    const plan = planListeners(input('both'));
    expect(plan.assignments).toHaveLength(6);
    for (const a of plan.assignments) {
      expect(a.primary).not.toBeNull();
      expect(a.secondary).not.toBeNull();
    }
    const { options: _omitted, ...noOptions } = input('both');
    expect(planListeners(noOptions)).toEqual(plan);
  });

  it('group A (primary) places only primaries, and reports no unplaced secondaries', () => {
    const plan = planListeners(input('primary'));
    expect(plan.assignments).toHaveLength(6);
    for (const a of plan.assignments) {
      expect(a.primary).not.toBeNull();
      expect(a.secondary).toBeNull();
    }
    expect(plan.unplaced).toEqual([]);
    const roles = plan.connections.flatMap((c) => c.listeners.map((l) => l.role));
    expect(roles.length).toBeGreaterThan(0);
    expect(new Set(roles)).toEqual(new Set(['primary']));
  });

  it('group B (secondary) places only secondaries', () => {
    const plan = planListeners(input('secondary'));
    expect(plan.assignments).toHaveLength(6);
    for (const a of plan.assignments) {
      expect(a.secondary).not.toBeNull();
      expect(a.primary).toBeNull();
    }
    expect(plan.unplaced).toEqual([]);
    const roles = plan.connections.flatMap((c) => c.listeners.map((l) => l.role));
    expect(roles.length).toBeGreaterThan(0);
    expect(new Set(roles)).toEqual(new Set(['secondary']));
  });

  it('rejects an unknown slot value with an error naming it', () => {
    expect(() => planListeners({ ...input('both'), options: { slots: 'tertiary' as never } })).toThrow(
      /slots/,
    );
  });
});
