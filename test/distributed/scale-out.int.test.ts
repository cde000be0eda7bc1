/**
 * Issue #17, done-when 1: two processes per listener group, two processors, 40 influencers:
 * more than one IP's 10-user cap on user-specific subscriptions. Each listener process egresses
 * from its own loopback address, so the simulator enforces the cap per process; the planner
 * puts at most 10 influencers per process on user streams and follows the rest on market
 * streams (perps, main dex and HIP-3: what the trades feed covers by default). Every influencer has its primary in group A and its secondary in group B, the
 * signals end at ground truth, nothing is lost, order holds per key.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../kit/index.js';
import { loopback, clusterPerTest } from './cluster.js';

const INFLUENCERS = 40;
const USER_CAP_PER_IP = 10;
const LISTENERS = ['listeners-A1', 'listeners-A2', 'listeners-B1', 'listeners-B2'];

interface ListenerStatus {
  readonly influencer: string;
  readonly listeners: readonly { readonly kind: string; readonly healthy: boolean }[];
}

describe('distributed mode: 2 + 2 listener processes and 2 processors follow 40 influencers', () => {
  const newCluster = clusterPerTest();

  it('covers every influencer in both groups within per-IP caps and ends at ground truth', async () => {
    const t0 = Date.now();
    const c = await newCluster({
      seed: 61,
      accounts: INFLUENCERS,
      tickMs: 80,
      bronzePartitions: 8,
      coordinationPartitions: 16,
      // Market-stream listeners follow perps (main dex and HIP-3) unless spot/outcome coins are configured.
      marketClasses: ['perp', 'hip3'],
    });
    LISTENERS.forEach((name, i) =>
      c.start({
        name,
        role: 'listeners',
        group: name.includes('-A') ? 'A' : 'B',
        sourceAddresses: [loopback(i)],
      }),
    );
    c.start({ name: 'processor-1', role: 'processor' });
    c.start({ name: 'processor-2', role: 'processor' });
    await c.waitStarted(undefined, 120_000);
    let uncovered: string[] = [];
    await until(
      async () => (uncovered = await c.uncovered()).length === 0,
      120_000,
      () => `dual coverage of all ${INFLUENCERS}; uncovered: ${uncovered.slice(0, 8).join(', ')}`,
      500,
    );
    // Per process: what it owns, and how many of those ride user streams (at most the cap).
    const split: string[] = [];
    for (const name of LISTENERS) {
      const influencers = ((await c.statusOf(name))['influencers'] ?? []) as ListenerStatus[];
      const user = influencers.filter((i) => i.listeners.some((l) => l.kind === 'user-stream')).length;
      split.push(`${name}: ${influencers.length} (${user} user-stream)`);
      expect(influencers.length, name).toBeGreaterThan(0);
      expect(user, name).toBeLessThanOrEqual(USER_CAP_PER_IP);
    }
    const admittedAt = Date.now();
    c.sim.resume();
    await until(
      () => c.sim.accounts.every((a) => c.sim.groundTruth.fills(a).length >= 3),
      120_000,
      'trading: 3 fills per account',
    );
    c.sim.pause();
    await c.waitGroundTruth(admittedAt, 120_000);
    await c.stopAll();
    const { messages, duplicates, compared } = await c.verify(admittedAt);
    expect(compared).toBeGreaterThan(INFLUENCERS);
    console.log(
      `scale-out, ${INFLUENCERS} influencers: ${split.join('; ')}; ${messages.length} signals, ${duplicates} duplicate signalIds, ` +
        `${compared} compared with ground truth; test ${Math.round((Date.now() - t0) / 1000)} s`,
    );
  }, 360_000);
});
