/**
 * Issue #17, done-when 4: two listener processes per group (each on its own loopback source
 * address) and two processors; while trading, every process is restarted one at a time with
 * SIGTERM: it must exit 0, its replacement must start, and the groups must settle (every
 * influencer dual covered; the processors holding every bronze partition between them) before
 * the next one goes. Nothing is lost and no signalId is published twice: a clean stop commits
 * the acknowledged bronze offsets and leaves the group, so the next owner resumes exactly there.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../kit/index.js';
import { loopback, clusterPerTest } from './cluster.js';
import type { ProcessSpec } from './cluster.js';

const BRONZE_PARTITIONS = 4;

describe('distributed mode: rolling restart of every process (SIGTERM, one at a time)', () => {
  const newCluster = clusterPerTest();

  it('loses nothing and publishes no signalId twice', async () => {
    const t0 = Date.now();
    const c = await newCluster({ seed: 41, accounts: 8, tickMs: 60, bronzePartitions: BRONZE_PARTITIONS });
    const specs: ProcessSpec[] = [
      { name: 'listeners-A1', role: 'listeners', group: 'A', sourceAddresses: [loopback(0)] },
      { name: 'listeners-A2', role: 'listeners', group: 'A', sourceAddresses: [loopback(1)] },
      { name: 'listeners-B1', role: 'listeners', group: 'B', sourceAddresses: [loopback(2)] },
      { name: 'listeners-B2', role: 'listeners', group: 'B', sourceAddresses: [loopback(3)] },
      { name: 'processor-1', role: 'processor' },
      { name: 'processor-2', role: 'processor' },
    ];
    for (const s of specs) c.start(s);
    await c.waitStarted();

    const processors = specs.filter((s) => s.role === 'processor').map((s) => s.name);
    const partitionsOf = (n: string): number[] =>
      (c.logs(n, 'bronze partitions assigned').at(-1)?.['partitions'] as number[] | undefined) ?? [];
    let why = '';
    // Settled: every influencer has a subscribed primary and secondary, and the processors'
    // latest assignments split every bronze partition between them, each holding some.
    const settled = async (): Promise<boolean> => {
      const uncovered = await c.uncovered();
      const held = processors.map(partitionsOf);
      const all = held.flat().sort((a, b) => a - b);
      why = `uncovered: [${uncovered.join(',')}], processors hold ${JSON.stringify(held)}`;
      return (
        uncovered.length === 0 &&
        held.every((h) => h.length > 0) &&
        JSON.stringify(all) === JSON.stringify([...Array(BRONZE_PARTITIONS).keys()])
      );
    };
    await until(settled, 60_000, () => `cluster settled at start: ${why}`, 250);
    const admittedAt = Date.now();

    c.sim.resume();
    const fills = (): number => c.minFills();
    await until(() => fills() >= 4, 60_000, 'trading: 4 fills per account');
    const steps: string[] = [];
    const windows: { name: string; from: number }[] = [];
    for (const s of specs) {
      const before = fills();
      const stoppedAt = Date.now();
      windows.push({ name: s.name, from: stoppedAt });
      expect(await c.kill(s.name, 'SIGTERM'), `${s.name}: ${c.get(s.name).run.stderr().slice(-800)}`).toBe(0);
      expect(c.get(s.name).run.stderr(), s.name).not.toMatch(/shutdown timed out/);
      c.start(s);
      await c.waitStarted([s.name]);
      await until(settled, 60_000, () => `cluster settled after restarting ${s.name}: ${why}`, 250);
      // Trading carried on through the restart, so each step is a restart under load.
      await until(() => fills() >= before + 2, 60_000, `trading after restarting ${s.name}`);
      steps.push(`${s.name} ${Date.now() - stoppedAt} ms`);
    }
    c.sim.pause();

    await c.waitGroundTruth(admittedAt);
    await c.stopAll();
    const { messages, duplicates, compared } = await c.verify(admittedAt);
    expect(compared).toBeGreaterThan(8);
    // Which restart each repeated signalId followed (by its Kafka timestamp), to name the culprit.
    const seen = new Set<string>();
    const repeatsAfter = new Map<string, number>();
    for (const m of [...messages].sort((a, b) => a.timestamp - b.timestamp)) {
      if (!seen.has(m.signal.signalId)) {
        seen.add(m.signal.signalId);
        continue;
      }
      const w = windows.findLast((x) => x.from <= m.timestamp)?.name ?? 'before any restart';
      repeatsAfter.set(w, (repeatsAfter.get(w) ?? 0) + 1);
    }
    console.log(
      `rolling restart: repeats by the restart they followed: ${JSON.stringify(Object.fromEntries(repeatsAfter))}; ` +
        `${messages.length} signals, ${duplicates} duplicate signalIds, ${compared} compared with ` +
        `ground truth; restart to settled: ${steps.join(', ')}; test ${Math.round((Date.now() - t0) / 1000)} s`,
    );
    expect(duplicates).toBe(0);
  }, 300_000);
});
