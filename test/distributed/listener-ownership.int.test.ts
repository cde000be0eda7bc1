/**
 * Listener-group ownership on the real broker: members of one group split the influencers
 * disjointly and cover them all; when one leaves the other owns all; a third member joining
 * moves only its share of coordination partitions (sticky). Waits are woken by onChange, never
 * by sleeps. The rebalance pauses measured here are printed for src/distributed/README.md.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { KafkaListenerOwnership, influencerPartition } from '../../src/distributed/index.js';
import { kafka, testConfig, whenOwnership } from './helpers.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

const INFLUENCERS = Array.from({ length: 40 }, (_, i) => `inf-${i}`);

function member(config: ReturnType<typeof testConfig>, group: 'A' | 'B' = 'A'): KafkaListenerOwnership {
  const m = new KafkaListenerOwnership({
    kafka: kafka(),
    config,
    logger: silentLogger,
    group,
    influencers: INFLUENCERS,
  });
  closers.push(() => m.close());
  return m;
}

/** Every influencer owned by exactly one of `members`. */
function splitExactly(members: readonly KafkaListenerOwnership[]): boolean {
  const owners = new Map<string, number>();
  for (const m of members) for (const id of m.owned()) owners.set(id, (owners.get(id) ?? 0) + 1);
  return INFLUENCERS.every((id) => owners.get(id) === 1) && owners.size === INFLUENCERS.length;
}

const nonEmpty = (members: readonly KafkaListenerOwnership[]): boolean =>
  members.every((m) => m.status().partitions.length > 0);

describe('KafkaListenerOwnership', () => {
  it('two members split disjointly and cover all; when one leaves the other owns all', async () => {
    const config = testConfig(1, 12);
    const a1 = member(config);
    const a2 = member(config);
    await a1.start();
    await whenOwnership([a1], () => a1.owned().size === INFLUENCERS.length, 'a1 alone owns all');
    await a2.start();
    await whenOwnership([a1, a2], () => nonEmpty([a1, a2]) && splitExactly([a1, a2]), 'a1 and a2 split');
    expect(a1.owned().size + a2.owned().size).toBe(40);
    expect(a1.status().partitions.length).toBe(6);
    for (const id of a1.owned()) {
      expect(a1.status().partitions).toContain(influencerPartition(id, 12));
    }
    // Group B is a separate group: it owns everything on its own, independent of A.
    const b1 = member(config, 'B');
    await b1.start();
    await whenOwnership([b1], () => b1.owned().size === 40, 'b1 owns all of group B');

    const leftAt = performance.now();
    await a2.close();
    await whenOwnership([a1], () => a1.owned().size === 40, 'a1 owns all after a2 left');
    const takeoverMs = Math.round(performance.now() - leftAt);
    console.log(
      `[ownership] leave -> survivor owns all: ${takeoverMs} ms; survivor's rebalance pause (REBALANCING -> assignment): ${a1.status().lastRebalancePauseMs} ms`,
    );
    expect(splitExactly([a1])).toBe(true);
  });

  it('a third member joining moves only its share of partitions (sticky)', async () => {
    const config = testConfig(1, 12);
    const [m1, m2, m3] = [member(config), member(config), member(config)];
    await m1.start();
    await m2.start();
    await whenOwnership([m1, m2], () => nonEmpty([m1, m2]) && splitExactly([m1, m2]), 'two members split');
    const before = [m1.status().partitions, m2.status().partitions];
    expect(before.map((p) => p.length)).toEqual([6, 6]);

    const joinAt = performance.now();
    await m3.start();
    await whenOwnership(
      [m1, m2, m3],
      () => nonEmpty([m1, m2, m3]) && splitExactly([m1, m2, m3]),
      'three members split',
    );
    const settleMs = Math.round(performance.now() - joinAt);
    const after = [m1.status().partitions, m2.status().partitions, m3.status().partitions];
    expect(after.map((p) => p.length)).toEqual([4, 4, 4]);
    // The old members only gave partitions up: 4 moved (m3's share), the 8 others stayed put.
    expect(after[0]?.every((p) => before[0]?.includes(p))).toBe(true);
    expect(after[1]?.every((p) => before[1]?.includes(p))).toBe(true);
    console.log(
      `[ownership] join of a 3rd member -> settled: ${settleMs} ms; pauses of the old members: ${m1.status().lastRebalancePauseMs} ms, ${m2.status().lastRebalancePauseMs} ms`,
    );
  });
});
