/**
 * `ingest cluster status` is only as good as the picture clusterView draws from Kafka's group
 * description and the members' /status.json: each influencer's primary in the group-A member
 * holding its coordination partition, its secondary in group B's, its processor by bronze
 * partition, and a problem line for every hole on the way.
 */
import { describe, expect, it } from 'vitest';
import { clusterView, influencerPartition } from '../../src/distributed/index.js';
import type {
  ClusterInput,
  ClusterReport,
  GroupMemberInput,
  InfluencerRow,
  MemberStatusJson,
} from '../../src/distributed/index.js';

const COORD = 4;
const ids = ['inf-0', 'inf-1', 'inf-2', 'inf-3', 'inf-4', 'inf-5'];
const coordOf = (id: string): number => influencerPartition(id, COORD);
/** Bronze partition by index, so the test decides where each influencer lands. */
const bronzeOf = (id: string): number => Number(id.slice(4)) % 2;

function status(role: 'primary' | 'secondary', pool: string, ip: string, healthy: (id: string) => boolean) {
  return (owned: readonly string[]): MemberStatusJson => ({
    egress: { [pool]: ip },
    influencers: owned.map((influencer) => ({
      influencer,
      listeners: [
        {
          id: `${influencer}/${role}`,
          kind: 'user-stream',
          role,
          state: healthy(influencer) ? 'subscribed' : 'reconnecting',
          healthy: healthy(influencer),
          lagMs: 12,
          pool,
        },
      ],
    })),
  });
}

function member(
  host: string,
  partitions: readonly number[],
  role: 'listeners' | 'processor',
  st?: (owned: readonly string[]) => MemberStatusJson,
  error?: string,
): GroupMemberInput {
  const owned = ids.filter((id) => partitions.includes(coordOf(id)));
  return {
    memberId: `${host}-member`,
    clientId: `ingest-${role}`,
    clientHost: '/127.0.0.1',
    partitions,
    advert: { opsUrl: `http://${host}:9464`, role, host, pid: 100 },
    ...(error !== undefined
      ? { status: { ok: false as const, error } }
      : st
        ? { status: { ok: true as const, status: st(owned) } }
        : {}),
  };
}

function input(over: Partial<ClusterInput['groups']> = {}): ClusterInput {
  const all = () => true;
  return {
    generatedAt: 1_000,
    influencers: ids,
    coordinationPartitions: COORD,
    bronzePartitions: 2,
    bronzePartitionOf: bronzeOf,
    groups: {
      A: {
        groupId: 'p-listeners-A',
        state: 'Stable',
        members: [
          member('a0', [0, 1], 'listeners', status('primary', 'ip-a0', '127.0.0.2', all)),
          member('a1', [2, 3], 'listeners', status('primary', 'ip-a1', '127.0.0.4', all)),
        ],
      },
      B: {
        groupId: 'p-listeners-B',
        state: 'Stable',
        members: [member('b0', [0, 1, 2, 3], 'listeners', status('secondary', 'ip-b0', '127.0.0.3', all))],
      },
      processors: {
        groupId: 'p-processors',
        state: 'Stable',
        members: [member('p0', [0], 'processor'), member('p1', [1], 'processor')],
      },
      ...over,
    },
  };
}

function rowOf(r: ClusterReport, id: string): InfluencerRow {
  const row = r.influencers.find((x) => x.influencer === id);
  if (!row) throw new Error(`no row for ${id}`);
  return row;
}

describe('clusterView', () => {
  it('places each influencer: primary by its coordination partition in A, secondary in B, processor by bronze partition', () => {
    const r = clusterView(input());
    expect(r.influencers.map((i) => i.influencer)).toEqual(ids);
    for (const row of r.influencers) {
      const cp = coordOf(row.influencer);
      expect(row.coordinationPartition).toBe(cp);
      expect(row.primary).toMatchObject({
        process: cp < 2 ? 'a0:100' : 'a1:100',
        ip: cp < 2 ? '127.0.0.2' : '127.0.0.4',
        state: 'subscribed',
        healthy: true,
        lagMs: 12,
      });
      expect(row.secondary).toMatchObject({ process: 'b0:100', ip: '127.0.0.3', healthy: true });
      expect(row.processor).toBe(bronzeOf(row.influencer) === 0 ? 'p0:100' : 'p1:100');
      expect(row.coverage).toBe('dual');
    }
    expect(r.summary).toEqual({ influencers: 6, dual: 6, single: 0, dark: 0, withoutProcessor: 0 });
    expect(r.groups.map((g) => [g.name, g.members.length])).toEqual([
      ['A', 2],
      ['B', 1],
      ['processors', 2],
    ]);
    expect(r.problems).toEqual([]);
  });

  it('a lost group-A member: its influencers are single with "has no group-A owner", and the group says it is rebalancing', () => {
    const base = input();
    const r = clusterView(
      input({
        A: { ...base.groups.A, state: 'PreparingRebalance', members: base.groups.A.members.slice(0, 1) },
      }),
    );
    const lost = ids.filter((id) => coordOf(id) >= 2);
    expect(lost.length).toBeGreaterThan(0);
    expect(r.summary.single).toBe(lost.length);
    expect(r.summary.dual).toBe(ids.length - lost.length);
    for (const id of lost) {
      const row = rowOf(r, id);
      expect(row.primary).toBeNull();
      expect(row.coverage).toBe('single');
      expect(r.problems).toContain(`${id}: single, primary has no group-A owner`);
    }
    expect(r.problems).toContain('group A (p-listeners-A) is PreparingRebalance');
    expect(
      r.problems.some((p) => p.startsWith('group A has members but none holds coordination partition')),
    ).toBe(true);
  });

  it('an unreachable member, an unhealthy listener, an unplaced one and a missing processor each become a problem', () => {
    const base = input();
    const sick = (id: string) => id !== 'inf-0';
    const unplaced = status('secondary', 'ip-b0', '127.0.0.3', () => true);
    const r = clusterView(
      input({
        A: {
          ...base.groups.A,
          members: [
            member('a0', [0, 1], 'listeners', status('primary', 'ip-a0', '127.0.0.2', sick)),
            member('a1', [2, 3], 'listeners', undefined, 'connect ECONNREFUSED'),
          ],
        },
        B: {
          ...base.groups.B,
          // b0 reports no listener at all for inf-1 (the planner could not place it).
          members: [
            member('b0', [0, 1, 2, 3], 'listeners', (owned) => unplaced(owned.filter((x) => x !== 'inf-1'))),
          ],
        },
        processors: { ...base.groups.processors, members: [member('p0', [0], 'processor')] },
      }),
    );
    const row = (id: string) => rowOf(r, id);
    if (coordOf('inf-0') < 2) {
      expect(row('inf-0').primary).toMatchObject({ state: 'reconnecting', healthy: false, ip: '127.0.0.2' });
      expect(r.problems).toContain('inf-0: single, primary reconnecting in a0:100');
    }
    expect(row('inf-1').secondary).toMatchObject({ state: 'not placed', healthy: false });
    expect(r.problems).toContain('group A member a1:100 status unreachable: connect ECONNREFUSED');
    for (const id of ids.filter((x) => coordOf(x) >= 2))
      expect(row(id).primary).toMatchObject({
        process: 'a1:100',
        state: 'unknown (status unreachable: connect ECONNREFUSED)',
        healthy: false,
      });
    for (const id of ids.filter((x) => bronzeOf(x) === 1)) {
      expect(row(id).processor).toBeNull();
      expect(r.problems).toContain(`${id}: no processor holds bronze partition 1`);
    }
    expect(r.summary.withoutProcessor).toBe(3);
  });

  it('empty groups: every influencer is dark and each group says it has no members', () => {
    const empty = (groupId: string) => ({ groupId, state: 'Empty', members: [] });
    const r = clusterView(
      input({ A: empty('p-listeners-A'), B: empty('p-listeners-B'), processors: empty('p-processors') }),
    );
    expect(r.summary).toEqual({ influencers: 6, dual: 0, single: 0, dark: 6, withoutProcessor: 6 });
    expect(r.problems.slice(0, 3)).toEqual([
      'group A (p-listeners-A) has no members',
      'group B (p-listeners-B) has no members',
      'group processors (p-processors) has no members',
    ]);
    expect(r.problems).toContain('inf-3: dark, primary has no group-A owner; secondary has no group-B owner');
  });
});
