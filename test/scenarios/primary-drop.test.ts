/** Scenario 1: the primary connection drops mid-stream; the secondary carries on, nothing is lost. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from './harness.js';
import { IPS, startStack, expectExact, verify } from './harness.js';

describe('scenario: primary dropped mid-stream', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('fails over to the secondary, reconnects the primary, loses and duplicates nothing', async () => {
    stack = await startStack({ kinds: { primary: 'user-stream', secondary: 'user-stream' } });
    const s = stack;
    await s.blocks(16);
    const dropped = s.sim.faults.drop({ ip: IPS[0] });
    expect(dropped).toBeGreaterThan(0);
    // Coverage is dual until the drop is seen: wait for it, then for the recovery.
    await s.until(
      () => (s.events.connectionClosed ?? []).some((c) => c.pool === 'pool0' && c.cause === 'server_close'),
      5000,
      'the drop to be seen',
    );
    await s.until(
      () => s.manager.status().influencers.every((i) => i.coverage === 'dual'),
      10_000,
      'recovery',
    );
    await s.blocks(10);
    await s.settle();

    const v = verify(s, s.sim.accounts);
    expectExact(v, 20);
    const failovers = s.events.failover ?? [];
    const onDropped = s.plan.assignments.filter((a) => a.primary?.pool === 'pool0');
    expect(onDropped.length).toBeGreaterThan(0);
    for (const a of onDropped) {
      expect(failovers.some((f) => f.influencerId === a.influencerId && f.reason === 'primary-down')).toBe(
        true,
      );
    }
    expect(
      (s.events.connectionClosed ?? []).some((c) => c.pool === 'pool0' && c.cause === 'server_close'),
    ).toBe(true);
    // Roles rotated, ids stayed.
    const st = s.manager.status();
    for (const inf of st.influencers.filter((i) => onDropped.some((a) => a.influencerId === i.influencer))) {
      expect(inf.listeners.map((l) => l.id).sort()).toEqual([
        `${inf.influencer}/primary`,
        `${inf.influencer}/secondary`,
      ]);
      expect(inf.listeners.find((l) => l.id.endsWith('/secondary'))?.role).toBe('primary');
      expect(inf.failovers).toBeGreaterThanOrEqual(1);
    }
  });
});
