/**
 * Scenario 4: both listeners down for 30 s (scaled time, 20x), then back. Recovery comes from
 * the userFills snapshots; the simulator's snapshot cap is set small so the snapshot cannot
 * reach back over the outage and the REST backfill must fill the gap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from './harness.js';
import { startStack, expectExact, verify } from './harness.js';

describe('scenario: both listeners down for 30 s', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('recovers from snapshots plus a REST backfill, losing and duplicating nothing', async () => {
    stack = await startStack({
      scale: 20,
      sim: { tickMs: 200, accounts: 3, eventsPerBlock: 3, limits: { snapshotFills: 3 } },
      kinds: { primary: 'user-stream', secondary: 'user-stream' },
      connection: {
        heartbeat: { intervalMs: 5000, timeoutMs: 5000 },
        stall: { timeoutMs: 60_000 },
        reconnect: {
          policy: { initialDelayMs: 500, maxDelayMs: 4000, factor: 2, maxAttempts: Infinity, jitter: 0.2 },
        },
        connectTimeoutMs: 20_000,
      },
    });
    const s = stack;
    await s.blocks(20);
    s.sim.faults.refuseConnections({ durationMs: 30_000 });
    expect(s.sim.faults.drop({ all: true })).toBe(2);
    await s.until(
      () => s.manager.status().influencers.every((i) => i.coverage === 'dark'),
      5000,
      'every influencer dark',
    );
    // The refusal lasts 30 s of sim time: no listener can be back before it ends.
    await s.until(
      () => s.manager.status().influencers.every((i) => i.coverage === 'dual'),
      60_000,
      'recovery',
    );
    await s.until(() => (s.events.backfill ?? []).length >= s.sim.accounts.length, 60_000, 'backfills');
    await s.blocks(15);
    await s.settle();

    const backfills = s.events.backfill ?? [];
    expect(backfills.every((b) => b.reason === 'snapshot-gap' && b.fills > 3)).toBe(true);
    expect(new Set(backfills.map((b) => b.user))).toEqual(new Set(s.sim.accounts));
    const v = verify(s, s.sim.accounts);
    expectExact(v, 100);
    const late = s.batches.filter((b) => b.late).length;
    expect(late).toBe(0);
    expect((s.events.backfillFailed ?? []).length).toBe(0);
  });
});
