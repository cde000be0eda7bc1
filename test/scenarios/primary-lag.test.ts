/** Scenario 3: the primary lags 500 ms; the secondary delivers first and the roles rotate on sustained lag. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from './harness.js';
import { IPS, startStack, expectExact, verify } from './harness.js';

describe('scenario: primary lagging 500 ms', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('lets the secondary lead and swaps roles on sustained lag without losing fills', async () => {
    stack = await startStack({
      kinds: { primary: 'user-stream', secondary: 'user-stream' },
      // Pongs queue behind the delayed frames too: the pong deadline must exceed the lag.
      connection: { heartbeat: { intervalMs: 500, timeoutMs: 2000 } },
      health: { lagThresholdMs: 250, lagSustainMs: 800, minSamples: 5, ewmaAlpha: 0.3, staleAfterMs: 10_000 },
    });
    const s = stack;
    const lagging = s.plan.assignments.filter((a) => a.primary?.pool === 'pool0').map((a) => a.influencerId);
    expect(lagging.length).toBeGreaterThan(0);
    const leads: { listenerId: string; leadMs: number }[] = [];
    s.fanIn.events.on('firstDelivery', (e) => leads.push(e));
    expect(s.sim.faults.latency({ ip: IPS[0] }, 500)).toBeGreaterThan(0);
    await s.until(
      () =>
        lagging.every((id) =>
          (s.events.failover ?? []).some((f) => f.influencerId === id && f.reason === 'sustained-lag'),
        ),
      15_000,
      'sustained-lag role rotation',
    );
    await s.settle();
    const fromLagging = leads.filter((l) => lagging.some((id) => l.listenerId.startsWith(`${id}/`)));
    const secondaryFirst = fromLagging.filter((l) => l.listenerId.endsWith('/secondary') && l.leadMs >= 300);
    expect(secondaryFirst.length).toBeGreaterThan(0);
    const st = s.manager.status();
    for (const id of lagging) {
      const inf = st.influencers.find((i) => i.influencer === id);
      expect(inf?.listeners.find((l) => l.id === `${id}/secondary`)?.role).toBe('primary');
      expect(inf?.lastFailoverReason).toBe('sustained-lag');
    }
    const v = verify(s, s.sim.accounts);
    expectExact(v);
  });
});
