/**
 * Issue #17, done-when 5: the processor tier scaled 1 -> 3 -> 1 while trading. Each join and
 * each clean leave is a rebalance of the bronze group: a partition that moves is resumed by
 * its new owner from the committed offset and its influencers are re-seeded from the persisted
 * cursors, so nothing is lost and per-key order holds. Repeats, if any, are the same signalIds.
 */
import { describe, expect, it } from 'vitest';
import { until } from '../kit/index.js';
import { loopback, clusterPerTest } from './cluster.js';

const BRONZE_PARTITIONS = 6;

describe('distributed mode: processors scaled 1 -> 3 -> 1 while trading', () => {
  const newCluster = clusterPerTest();

  it('loses nothing and keeps order per key', async () => {
    const t0 = Date.now();
    const c = await newCluster({ seed: 53, accounts: 8, tickMs: 60, bronzePartitions: BRONZE_PARTITIONS });
    c.start({ name: 'listeners-A', role: 'listeners', group: 'A', sourceAddresses: [loopback(0)] });
    c.start({ name: 'listeners-B', role: 'listeners', group: 'B', sourceAddresses: [loopback(1)] });
    c.start({ name: 'processor-1', role: 'processor' });
    await c.waitStarted();
    const partitionsOf = (n: string): number[] =>
      (c.logs(n, 'bronze partitions assigned').at(-1)?.['partitions'] as number[] | undefined) ?? [];
    await until(
      () => partitionsOf('processor-1').length === BRONZE_PARTITIONS,
      60_000,
      'processor-1 holds every partition',
    );
    await c.waitDualCoverage(60_000, 'dual coverage at start');
    const admittedAt = Date.now();
    c.sim.resume();
    const fills = (): number => c.minFills();
    const tradedMore = (n: number): Promise<number> => {
      const from = fills();
      return until(() => fills() >= from + n, 60_000, `trading: ${n} more fills per account`);
    };
    await tradedMore(3);

    // 1 -> 3: the partitions spread over three members.
    c.start({ name: 'processor-2', role: 'processor' });
    c.start({ name: 'processor-3', role: 'processor' });
    await c.waitStarted(['processor-2', 'processor-3']);
    const spread = (): string =>
      ['processor-1', 'processor-2', 'processor-3'].map((n) => partitionsOf(n).join(',')).join(' | ');
    await until(
      () =>
        ['processor-1', 'processor-2', 'processor-3'].every(
          (n) => partitionsOf(n).length === BRONZE_PARTITIONS / 3,
        ),
      60_000,
      () => `the partitions spread over three processors: ${spread()}`,
    );
    const at3 = spread();
    await tradedMore(3);

    // 3 -> 1: two leave cleanly; the first takes everything back.
    expect(await c.kill('processor-2', 'SIGTERM')).toBe(0);
    expect(await c.kill('processor-3', 'SIGTERM')).toBe(0);
    await until(
      () => partitionsOf('processor-1').length === BRONZE_PARTITIONS,
      60_000,
      () => `processor-1 holds every partition again: ${spread()}`,
    );
    await tradedMore(3);
    c.sim.pause();

    await c.waitGroundTruth(admittedAt);
    await c.stopAll();
    const { messages, duplicates, compared } = await c.verify(admittedAt);
    expect(compared).toBeGreaterThan(8);
    console.log(
      `processor scale 1 -> 3 -> 1: partitions at 3 [${at3}]; ${messages.length} signals, ${duplicates} duplicate signalIds, ` +
        `${compared} compared with ground truth; test ${Math.round((Date.now() - t0) / 1000)} s`,
    );
  }, 300_000);
});
