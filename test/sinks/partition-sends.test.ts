import { describe, expect, it } from 'vitest';
import type { KafkaMessageOut } from '../../src/sinks/kafka/index.js';
import {
  TakenMemory,
  leaderGroups,
  leadersOf,
  partitionGroups,
  partitionOf,
} from '../../src/sinks/kafka/partition-sends.js';
import type { PartitionGroup } from '../../src/sinks/kafka/partition-sends.js';

const PARTITIONS = 3;

describe('partition-grouped sends', () => {
  it('group a batch by the partition kafkajs picks, keeping batch order inside each group', () => {
    const msgs: KafkaMessageOut[] = Array.from({ length: 30 }, (_, n) => ({
      key: `k${n % 5}`,
      value: String(n),
      headers: {},
    }));
    const withPartitions = partitionGroups('t', msgs, PARTITIONS);
    for (const g of withPartitions) {
      for (const m of g.messages) expect(partitionOf('t', m.key, PARTITIONS)).toBe(g.partition);
    }
    const groups = withPartitions.map((g) => g.messages);
    expect(
      groups
        .flat()
        .map((m) => m.value)
        .sort(),
    ).toEqual(msgs.map((m) => m.value).sort());
    for (const g of groups) {
      expect(new Set(g.map((m) => partitionOf('t', m.key, PARTITIONS))).size).toBe(1);
      const values = g.map((m) => Number(m.value));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
    expect(partitionGroups('t', msgs, null)).toEqual([{ partition: null, messages: msgs }]);
  });

  it('groups partitions by their leader, all in one group when leaders are not known', () => {
    const g = (partition: number | null): PartitionGroup => ({ partition, messages: [] });
    const leaders = leadersOf([
      { partitionId: 0, leader: 5 },
      { partitionId: 1, leader: 6 },
      { partitionId: 2, leader: 5 },
    ]);
    expect(leaders).toEqual(
      new Map([
        [0, 5],
        [1, 6],
        [2, 5],
      ]),
    );
    expect(leaderGroups([g(0), g(1), g(2)], leaders)).toEqual([
      { leader: 5, groups: [g(0), g(2)] },
      { leader: 6, groups: [g(1)] },
    ]);
    expect(leadersOf([0, 1, 2])).toBeNull();
    expect(leaderGroups([g(0), g(1)], null)).toEqual([{ leader: null, groups: [g(0), g(1)] }]);
    expect(leaderGroups([g(null)], leaders)).toEqual([{ leader: null, groups: [g(null)] }]);
  });

  it('remembers only what failed calls had taken, and forgets it once a call carrying it succeeds', () => {
    const m = (v: string): KafkaMessageOut => ({ key: 'k', value: v, headers: {} });
    const taken = new TakenMemory();
    taken.remember([m('a'), m('b')]);
    expect(taken.unsent([m('a'), m('b'), m('c')]).map((x) => x.value)).toEqual(['c']);
    taken.forget([m('a'), m('b'), m('c')]);
    expect(taken.size).toBe(0);
  });
});
