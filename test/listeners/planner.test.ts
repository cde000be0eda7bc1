import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ListenerPlan, PlannerInput } from '../../src/listeners/index.js';
import { connectionPeers, diffPlans, planListeners } from '../../src/listeners/index.js';

const addr = (i: number): string => `0x${i.toString(16).padStart(40, '0')}`;
const influencers = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `inf-${String(i + 1).padStart(2, '0')}`,
    address: addr(i + 1),
    priority: n - i,
    enabled: true,
  }));
const pool = (
  name: string,
  over: Partial<{ users: number; connections: number; subscriptions: number }> = {},
) => ({
  name,
  limits: { users: 10, connections: 10, subscriptions: 1000, ...over },
});

/** Invariants every plan must satisfy. */
function checkInvariants(input: PlannerInput, plan: ListenerPlan): void {
  const conns = new Map(plan.connections.map((c) => [c.id, c]));
  for (const a of plan.assignments) {
    if (a.primary && a.secondary) expect(a.primary.connectionId).not.toBe(a.secondary.connectionId);
    for (const l of [a.primary, a.secondary]) if (l) expect(conns.get(l.connectionId)?.kind).toBe(l.kind);
  }
  for (const cap of plan.capacity) {
    const limits = input.pools.find((p) => p.name === cap.pool)?.limits;
    const inPool = plan.connections.filter((c) => c.pool === cap.pool);
    const users = new Set(
      inPool.flatMap((c) => c.subscriptions.flatMap((s) => ('user' in s ? [s.user] : []))),
    );
    expect(cap.users.used).toBe(users.size);
    expect(cap.users.used).toBeLessThanOrEqual(limits?.users ?? 0);
    expect(cap.connections.used).toBe(inPool.length);
    expect(cap.connections.used + cap.connections.reserved).toBeLessThanOrEqual(limits?.connections ?? 0);
    expect(cap.subscriptions.used).toBe(inPool.reduce((s, c) => s + c.subscriptionCount, 0));
    expect(cap.subscriptions.used).toBeLessThanOrEqual(limits?.subscriptions ?? 0);
  }
  // Every enabled influencer's two listeners are either placed or reported.
  for (const a of plan.assignments) {
    for (const role of ['primary', 'secondary'] as const) {
      const reported = plan.unplaced.some((u) => u.influencerId === a.influencerId && u.role === role);
      expect(a[role] !== null || reported).toBe(true);
    }
  }
}

describe('planListeners', () => {
  it('25 influencers on one 10-user pool: the top 10 get user-stream on both listeners, the rest market-stream', () => {
    const input: PlannerInput = { influencers: influencers(25), pools: [pool('ip-a')], coinUniverse: 200 };
    const plan = planListeners(input);
    checkInvariants(input, plan);
    const kinds = plan.assignments.map((a) => `${a.primary?.kind}/${a.secondary?.kind}`);
    expect(kinds.slice(0, 10)).toEqual(Array(10).fill('user-stream/user-stream'));
    expect(kinds.slice(10)).toEqual(Array(15).fill('market-stream/market-stream'));
    expect(plan.unplaced).toEqual([]);
    expect(plan.connections.map((c) => [c.id, c.subscriptionCount])).toEqual([
      ['ip-a/market-stream/1', 200],
      ['ip-a/market-stream/2', 200],
      ['ip-a/user-stream/1', 20],
      ['ip-a/user-stream/2', 20],
    ]);
    expect(plan.capacity).toEqual([
      {
        pool: 'ip-a',
        users: { limit: 10, used: 10, free: 0 },
        connections: { limit: 10, used: 4, free: 5, reserved: 1 },
        subscriptions: { limit: 1000, used: 440, free: 560 },
      },
    ]);
  });

  it('with two pools, primary and secondary go through different pools and twice the users get user-stream', () => {
    const input: PlannerInput = {
      influencers: influencers(25),
      pools: [pool('ip-a'), pool('ip-b')],
      coinUniverse: 200,
    };
    const plan = planListeners(input);
    checkInvariants(input, plan);
    for (const a of plan.assignments) expect(a.primary?.pool).not.toBe(a.secondary?.pool);
    const kinds = plan.assignments.map((a) => `${a.primary?.kind}/${a.secondary?.kind}`);
    expect(kinds.slice(0, 20)).toEqual(Array(20).fill('user-stream/market-stream'));
    expect(kinds.slice(20)).toEqual(Array(5).fill('market-stream/market-stream'));
    expect(plan.warnings).toEqual([]);
    expect(plan.capacity.map((c) => c.users.used)).toEqual([10, 10]);
  });

  it('redundancy-first gives the top influencers user-stream on both listeners across pools', () => {
    const input: PlannerInput = {
      influencers: influencers(25),
      pools: [pool('ip-a'), pool('ip-b')],
      coinUniverse: 200,
      options: { userStreamPolicy: 'redundancy-first' },
    };
    const plan = planListeners(input);
    checkInvariants(input, plan);
    const kinds = plan.assignments.map((a) => `${a.primary?.kind}/${a.secondary?.kind}`);
    expect(kinds.slice(0, 10)).toEqual(Array(10).fill('user-stream/user-stream'));
    expect(kinds.slice(10)).toEqual(Array(15).fill('market-stream/market-stream'));
  });

  it('reports what does not fit, with the reason, when even market-stream cannot (subscription cap below the universe)', () => {
    const input: PlannerInput = {
      influencers: influencers(12),
      pools: [pool('ip-a', { subscriptions: 150 })],
      coinUniverse: 200,
    };
    const plan = planListeners(input);
    checkInvariants(input, plan);
    expect(plan.unplaced.map((u) => [u.influencerId, u.role, u.reason])).toEqual([
      ['inf-11', 'primary', 'market-capacity'],
      ['inf-12', 'primary', 'market-capacity'],
      ['inf-11', 'secondary', 'market-capacity'],
      ['inf-12', 'secondary', 'market-capacity'],
    ]);
    expect(plan.assignments.find((a) => a.influencerId === 'inf-11')).toMatchObject({
      primary: null,
      secondary: null,
    });
  });

  it('obeys kinds overrides and reports a forced user-stream that has no user slot', () => {
    const infl = influencers(12).map((i, n) =>
      n === 11
        ? { ...i, kinds: { primary: 'user-stream' as const } }
        : n === 0
          ? { ...i, kinds: { primary: 'market-stream' as const, secondary: 'market-stream' as const } }
          : i,
    );
    const input: PlannerInput = { influencers: infl, pools: [pool('ip-a')], coinUniverse: 10 };
    const plan = planListeners(input);
    checkInvariants(input, plan);
    expect(plan.assignments[0]).toMatchObject({
      primary: { kind: 'market-stream' },
      secondary: { kind: 'market-stream' },
    });
    expect(plan.unplaced).toEqual([
      expect.objectContaining({ influencerId: 'inf-12', role: 'primary', reason: 'user-cap' }),
    ]);
  });

  it('falls back to one pool with a warning, or reports no-distinct-pool under require', () => {
    const pools = [pool('ip-a', { connections: 4 }), pool('ip-b', { connections: 1 })]; // ip-b: no room after the reserve
    const prefer = planListeners({ influencers: influencers(2), pools, coinUniverse: 10 });
    expect(prefer.warnings.map((w) => w.code)).toEqual(['same-pool', 'same-pool']);
    const require = planListeners({
      influencers: influencers(2),
      pools,
      coinUniverse: 10,
      options: { distinctPools: 'require' },
    });
    expect(require.unplaced.map((u) => u.reason)).toEqual(['no-distinct-pool', 'no-distinct-pool']);
  });

  it('lists disabled influencers apart and rejects bad input with a clear error', () => {
    const infl = influencers(3).map((i, n) => (n === 1 ? { ...i, enabled: false } : i));
    const first = influencers(1)[0] as (typeof infl)[number];
    const plan = planListeners({ influencers: infl, pools: [pool('ip-a')], coinUniverse: 5 });
    expect(plan.disabled).toEqual(['inf-02']);
    expect(plan.assignments.map((a) => a.influencerId)).toEqual(['inf-01', 'inf-03']);
    expect(() =>
      planListeners({ influencers: [...infl, first], pools: [pool('a')], coinUniverse: 5 }),
    ).toThrow(/duplicate influencer id "inf-01"/);
    expect(() =>
      planListeners({ influencers: [{ ...first, address: '0x12' }], pools: [pool('a')], coinUniverse: 5 }),
    ).toThrow(/influencers\.0\.address/);
    expect(() => planListeners({ influencers: infl, pools: [pool('a')], coinUniverse: 0 })).toThrow(
      /coinUniverse/,
    );
  });

  it('is deterministic: input order does not matter, and the invariants hold for any budget', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.array(
          fc.record({
            users: fc.integer({ min: 0, max: 12 }),
            connections: fc.integer({ min: 0, max: 10 }),
            subscriptions: fc.integer({ min: 0, max: 1000 }),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom('coverage-first' as const, 'redundancy-first' as const),
        (n, limits, coins, policy) => {
          const input: PlannerInput = {
            influencers: influencers(n),
            pools: limits.map((l, i) => ({ name: `ip-${i}`, limits: l })),
            coinUniverse: coins,
            options: { userStreamPolicy: policy },
          };
          const plan = planListeners(input);
          checkInvariants(input, plan);
          expect(
            planListeners({
              ...input,
              influencers: [...(input.influencers as unknown[])].reverse() as PlannerInput['influencers'],
            }),
          ).toEqual(plan);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('re-plans with minimal churn: existing listeners keep their connections when a new influencer arrives', () => {
    const base = { pools: [pool('ip-a'), pool('ip-b')], coinUniverse: 100 };
    const before = planListeners({ ...base, influencers: influencers(6) });
    const grown = [...influencers(6), { id: 'inf-new', address: addr(99), priority: 0, enabled: true }];
    const after = planListeners({ ...base, influencers: grown }, before);
    const d = diffPlans(before, after);
    expect(d.moved.map((m) => [m.influencerId, m.role, m.from])).toEqual([
      ['inf-new', 'primary', null],
      ['inf-new', 'secondary', null],
    ]);
    expect(d.unchangedListeners).toBe(12);
    expect(d.removedConnections).toEqual([]);
    // Without `previous` a new top-priority influencer reshuffles pools; with it the others stay.
    const top = [{ id: 'inf-00', address: addr(98), priority: 100, enabled: true }, ...influencers(6)];
    const sticky = diffPlans(before, planListeners({ ...base, influencers: top }, before));
    expect(sticky.moved.filter((m) => m.influencerId !== 'inf-00')).toEqual([]);
    expect(sticky.changedConnections.length).toBeGreaterThan(0);
  });

  it('diffPlans lists subscriptions to add/remove when an influencer is disabled', () => {
    const base = { pools: [pool('ip-a')], coinUniverse: 10 };
    const before = planListeners({ ...base, influencers: influencers(3) });
    const after = planListeners(
      { ...base, influencers: influencers(3).map((i, n) => (n === 2 ? { ...i, enabled: false } : i)) },
      before,
    );
    const d = diffPlans(before, after);
    expect(d.moved.map((m) => [m.influencerId, m.role, m.to])).toEqual([
      ['inf-03', 'primary', null],
      ['inf-03', 'secondary', null],
    ]);
    expect(d.changedConnections.flatMap((c) => c.unsubscribe.map((s) => s.type)).sort()).toEqual([
      'clearinghouseState',
      'clearinghouseState',
      'userFills',
      'userFills',
    ]);
  });

  it('connectionPeers pairs the connections that host the two listeners of an influencer', () => {
    const plan = planListeners({
      influencers: influencers(25),
      pools: [pool('ip-a'), pool('ip-b')],
      coinUniverse: 50,
    });
    const peers = connectionPeers(plan);
    for (const a of plan.assignments) {
      expect(peers.get(a.primary?.connectionId ?? '')).toContain(a.secondary?.connectionId);
    }
  });
});
