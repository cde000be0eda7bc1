/**
 * Scenario 6: 25 influencers on one egress IP with a 10-user budget. The planner gives the
 * top 10 user-stream listeners (both on the one IP: the second costs no user slot) and the
 * other 15 market-stream listeners on the `trades` feed; the running system delivers every
 * tracked account's fills: user-stream ones exactly as userFills has them, market-stream ones
 * exactly as the tape of the subscribed coins has them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from './harness.js';
import { startStack, expectExact, verify } from './harness.js';

describe('scenario: 25 influencers on a 10-user budget', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('plans user-stream for 10 and market-stream for 15, and delivers all of them', async () => {
    stack = await startStack({
      pools: 1,
      poolUsers: 10,
      sim: { accounts: 25, eventsPerBlock: 8, tickMs: 50 },
    });
    const s = stack;
    const userStream = s.plan.assignments.filter((a) => a.primary?.kind === 'user-stream');
    const marketStream = s.plan.assignments.filter((a) => a.primary?.kind === 'market-stream');
    expect(s.plan.unplaced).toEqual([]);
    expect(userStream).toHaveLength(10);
    expect(userStream.every((a) => a.secondary?.kind === 'user-stream')).toBe(true);
    expect(marketStream).toHaveLength(15);
    expect(marketStream.every((a) => a.secondary?.kind === 'market-stream')).toBe(true);
    for (const a of s.plan.assignments) expect(a.primary?.connectionId).not.toBe(a.secondary?.connectionId);
    expect(s.manager.coins()).toContain('xyz:TSLA');
    expect((s.events.marketStreamTracked ?? []).filter((e) => e.tracked)).toHaveLength(15);

    await s.blocks(50);
    const tapeOnly = new Set(marketStream.map((a) => a.address.toLowerCase()));
    await s.settle(tapeOnly);
    const v = verify(s, s.sim.accounts, tapeOnly);
    expectExact(v, 100);
    const perKind = { user: 0, market: 0 };
    for (const b of s.batches) {
      for (const f of b.fills) perKind[f.startPosition === null ? 'market' : 'user']++;
    }
    expect(perKind.user).toBeGreaterThan(0);
    expect(perKind.market).toBeGreaterThan(0);
    expect((s.events.positions ?? []).length).toBeGreaterThan(0);
  });
});
