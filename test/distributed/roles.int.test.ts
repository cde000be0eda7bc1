/**
 * Issue #17, distributed mode end to end: each role is its own `ingest run --role …` child
 * process. Listener group A (primaries) and group B (secondaries) run on different loopback
 * source addresses (egress pools 127.0.0.2 / 127.0.0.3, so the simulator counts its per-IP
 * limits per process) and publish to the bronze topic; one processor consumes it and
 * publishes signals. The signals on Kafka must end at the simulator's ground truth with an
 * unbroken chain per key, and every process must stop cleanly on SIGTERM.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../kit/index.js';
import { loopback, clusterPerTest } from './cluster.js';
import type { ClusterReport } from '../../src/distributed/index.js';
import { renderClusterReport } from '../../src/cli/commands/cluster.js';

describe('distributed mode: listeners A, listeners B and a processor as separate processes', () => {
  const newCluster = clusterPerTest();

  it.each([
    { kill: false, title: 'all three roles up' },
    { kill: true, title: 'listeners A SIGKILLed mid-stream (group B still covers)' },
  ])(
    '$title: signals end at ground truth, chain unbroken, survivors stop on SIGTERM',
    async ({ kill }) => {
      const c = await newCluster({ seed: 17, accounts: 4, tickMs: 60, listenerStateIntervalMs: 1000 });
      c.start({ name: 'listeners-A', role: 'listeners', group: 'A', sourceAddresses: [loopback(0)] });
      c.start({ name: 'listeners-B', role: 'listeners', group: 'B', sourceAddresses: [loopback(1)] });
      c.start({ name: 'processor', role: 'processor' });
      await c.waitStarted();
      // Each listener group owns every influencer (one member each) and places only its own slot.
      for (const n of ['listeners-A', 'listeners-B'])
        expect(c.get(n).run.stderr()).toMatch(/"msg":"listener partitions assigned"/);
      await until(
        () =>
          ['listeners-A', 'listeners-B'].every((n) =>
            /"assignments":4,"unplaced":0,"msg":"listener plan applied"/.test(c.get(n).run.stderr()),
          ),
        30_000,
        'both listener groups placed their 4 listeners',
      );
      // `ingest cluster status` puts the three processes together: every influencer's primary in
      // listeners-A at 127.0.0.2, its secondary in listeners-B at 127.0.0.3, and the processor.
      const ids = c.sim.accounts.map((_, i) => `inf-${i}`);
      const placement = (r: ClusterReport | null) =>
        r?.influencers.map((i) => [
          i.influencer,
          i.primary?.process,
          i.primary?.ip,
          i.secondary?.process,
          i.secondary?.ip,
          i.processor,
          i.coverage,
        ]);
      let st = await c.clusterStatus();
      await until(
        async () => (st = await c.clusterStatus()).code === 0,
        30_000,
        () =>
          `cluster status exit 0: exit ${st.code}, ${st.stderr.slice(-500)} ${JSON.stringify(st.report?.problems)}`,
      );
      expect(placement(st.report)).toEqual(
        ids.map((id) => [
          id,
          c.processName('listeners-A'),
          loopback(0),
          c.processName('listeners-B'),
          loopback(1),
          c.processName('processor'),
          'dual',
        ]),
      );
      expect(st.report?.problems).toEqual([]);
      // The human rendering says the same (and is what the README shows).
      const text = st.report ? renderClusterReport(st.report) : '';
      for (const n of ['listeners-A', 'listeners-B', 'processor']) expect(text).toContain(c.processName(n));
      expect(text).toContain('no problems: every influencer has two live listeners and a processor');
      console.log(text);
      // Each process's /status.json shows its part of the hand-off.
      const handoffOf = async (n: string): Promise<string[]> =>
        Object.keys(((await c.statusOf(n)) as { handoff?: object }).handoff ?? {}).sort();
      expect(await handoffOf('processor')).toEqual(['source']);
      expect(await handoffOf('listeners-A')).toEqual(['ownership', 'sink']);
      const admittedAt = Date.now();

      let killedAt = Infinity;
      let groupAGoneAt = Infinity;
      c.sim.resume();
      const traded = (n: number) => () => c.sim.accounts.every((a) => c.sim.groundTruth.fills(a).length >= n);
      if (kill) {
        await until(traded(8), 60_000, 'trading: 8 fills per account');
        // The whole process of group A goes: its primaries are gone, group B's secondaries remain.
        killedAt = Date.now();
        expect(await c.kill('listeners-A', 'SIGKILL')).toBe('SIGKILL');
        // Cluster status sees it at once (the dead member's /status.json is unreachable, so its
        // primaries are not live: every influencer single) and, once Kafka drops the member,
        // shows group A empty; it exits 8 (degraded) throughout.
        await until(
          async () => (st = await c.clusterStatus()).report?.summary.single === ids.length,
          30_000,
          () =>
            `cluster status: every influencer single: ${JSON.stringify(st.report?.summary)} ${st.stderr.slice(-300)}`,
        );
        expect(st.code).toBe(8);
        await until(
          async () => (st = await c.clusterStatus()).report?.groups[0]?.members.length === 0,
          60_000,
          () =>
            `cluster status: group A empty: ${JSON.stringify(st.report?.groups[0])} ${st.stderr.slice(-300)}`,
        );
        expect(st.code).toBe(8);
        expect(placement(st.report)).toEqual(
          ids.map((id) => [
            id,
            undefined,
            undefined,
            c.processName('listeners-B'),
            loopback(1),
            c.processName('processor'),
            'single',
          ]),
        );
        expect(st.report?.problems).toContain(`group A (${st.report?.groups[0]?.groupId}) has no members`);
        // Long past 3 silent intervals of the primaries: more trading, whose signals must be flagged.
        groupAGoneAt = Date.now();
        const base = Math.max(...c.sim.accounts.map((a) => c.sim.groundTruth.fills(a).length));
        await until(traded(base + 4), 60_000, 'trading after group A is gone');
      }
      await until(traded(20), 60_000, 'trading: 20 fills per account');
      c.sim.pause();

      await c.waitGroundTruth(admittedAt);
      await c.stopAll();
      const { messages, duplicates, compared } = await c.verify(admittedAt);
      expect(compared).toBeGreaterThan(4);
      // quality.degradedListener follows the listener groups' published states: off while both
      // listeners of every influencer are up, on once group A's primaries went silent.
      const degradedAt = (from: number, to: number) =>
        messages
          .filter((m) => m.timestamp >= from && m.timestamp < to)
          .map((m) => m.signal.quality.degradedListener);
      const upFlags = degradedAt(admittedAt, killedAt);
      expect(upFlags.length).toBeGreaterThan(0);
      expect(upFlags.every((d) => !d)).toBe(true);
      if (kill) {
        const goneFlags = degradedAt(groupAGoneAt, Infinity);
        expect(goneFlags.length).toBeGreaterThan(0);
        expect(goneFlags.every((d) => d)).toBe(true);
      }
      console.log(
        `distributed roles (${kill ? 'A killed' : 'all up'}): ${messages.length} signals, ${duplicates} duplicate signalIds, ${compared} compared with ground truth`,
      );
    },
    240_000,
  );
});
