/** Scenario 2: the primary's socket stalls silently (open, nothing sent, pings unanswered). */
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from './harness.js';
import { IPS, startStack, expectExact, verify } from './harness.js';

const PING_MS = 200;
const PONG_TIMEOUT_MS = 200;

describe('scenario: primary silently stalled', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('detects the stall within ping interval + pong timeout, reconnects, loses nothing', async () => {
    stack = await startStack({
      kinds: { primary: 'user-stream', secondary: 'user-stream' },
      connection: {
        heartbeat: { intervalMs: PING_MS, timeoutMs: PONG_TIMEOUT_MS },
        stall: { timeoutMs: 5000 },
      },
    });
    const s = stack;
    await s.blocks(12);
    const stalledAt = s.clock.now();
    expect(s.sim.faults.stall({ ip: IPS[0] })).toBeGreaterThan(0);
    await s.until(
      () =>
        (s.events.connectionClosed ?? []).some((c) => c.pool === 'pool0' && c.cause === 'heartbeat_timeout'),
      5000,
      'stall detection',
    );
    const detected = (s.events.connectionClosed ?? []).find(
      (c) => c.pool === 'pool0' && c.cause === 'heartbeat_timeout',
    );
    expect(detected).toBeDefined();
    const detectedAt = s.clock.now();
    // Bound: the next ping goes out within one interval, its pong deadline one timeout later (+ scheduling slack).
    expect(detectedAt - stalledAt).toBeLessThanOrEqual(PING_MS + PONG_TIMEOUT_MS + 400);
    await s.until(
      () => s.manager.status().influencers.every((i) => i.coverage === 'dual'),
      10_000,
      'recovery',
    );
    await s.blocks(8);
    await s.settle();
    const v = verify(s, s.sim.accounts);
    expectExact(v, 10);
    const onStalled = s.plan.assignments.filter((a) => a.primary?.pool === 'pool0');
    for (const a of onStalled) {
      expect(
        (s.events.failover ?? []).some(
          (f) => f.influencerId === a.influencerId && f.reason === 'primary-down',
        ),
      ).toBe(true);
    }
  });
});
