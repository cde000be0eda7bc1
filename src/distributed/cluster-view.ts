/**
 * The cluster as an SRE needs to see it (`ingest cluster status`), computed from what Kafka's
 * group coordinator says (who is in listener groups A and B and in the processor group, and which
 * partitions each holds) and from each member's own /status.json (the state of its listeners).
 * Pure: cluster-probe.ts gathers the input, the CLI prints the result.
 *
 * For each influencer: its primary is in the group-A member that holds its coordination
 * partition, its secondary in the group-B one, and its processor is the member of the processor
 * group holding its bronze partition (the one the producer's murmur2 partitioner picks for its
 * id). Anything missing on the way (an empty group, an unowned partition, an unreachable member,
 * a listener the member did not place or that is not subscribed) becomes a problem line naming it.
 */
import type { MemberAdvert } from '../handoff/index.js';
import { influencerPartition } from './influencer-hash.js';

import type { ClusterGroupName } from './group-ids.js';

/** The part of a member's /status.json this view reads. */
export interface MemberStatusJson {
  readonly influencers?: readonly {
    readonly influencer: string;
    readonly listeners: readonly {
      readonly id: string;
      readonly kind: string;
      readonly role: string;
      readonly state: string;
      readonly healthy: boolean;
      readonly lagMs?: number | null;
      readonly pool?: string;
    }[];
  }[];
  readonly egress?: Readonly<Record<string, string>>;
}

export type MemberStatusResult =
  { readonly ok: true; readonly status: MemberStatusJson } | { readonly ok: false; readonly error: string };

export interface GroupMemberInput {
  readonly memberId: string;
  readonly clientId: string;
  /** As the broker saw the connection, e.g. `/10.0.3.7`. */
  readonly clientHost: string;
  /** Partitions of the group's topic assigned to this member. */
  readonly partitions: readonly number[];
  readonly advert?: MemberAdvert;
  /** The member's /status.json, or why it could not be read; absent when it advertised no URL. */
  readonly status?: MemberStatusResult;
}

export interface GroupInput {
  readonly groupId: string;
  /** Kafka's group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
  readonly state: string;
  readonly members: readonly GroupMemberInput[];
}

export interface ClusterInput {
  readonly generatedAt: number;
  /** Enabled influencer ids, as the influencer source lists them. */
  readonly influencers: readonly string[];
  readonly coordinationPartitions: number;
  readonly bronzePartitions: number;
  /** The bronze partition of an influencer id (the producer's partitioner). */
  readonly bronzePartitionOf: (influencerId: string) => number;
  readonly groups: Readonly<Record<ClusterGroupName, GroupInput>>;
  /** Problems met while gathering (a topic missing, Kafka refusing a describe). */
  readonly gatherProblems?: readonly string[];
}

export interface ClusterMember {
  /** `host:pid` from the member's advert, else Kafka's client host and member id. */
  readonly process: string;
  readonly memberId: string;
  readonly clientHost: string;
  readonly opsUrl: string | null;
  readonly partitions: readonly number[];
  /** `ok`, `unreachable: <why>` or `not advertised`. */
  readonly status: string;
}

export interface ClusterGroup {
  readonly name: ClusterGroupName;
  readonly groupId: string;
  readonly state: string;
  readonly members: readonly ClusterMember[];
}

export interface ListenerCell {
  readonly process: string;
  /** Where its connection leaves from (egress pool address), when the member reports it. */
  readonly ip: string | null;
  readonly kind: string | null;
  readonly state: string;
  readonly healthy: boolean;
  readonly lagMs: number | null;
}

export interface InfluencerRow {
  readonly influencer: string;
  readonly coordinationPartition: number;
  readonly bronzePartition: number;
  readonly primary: ListenerCell | null;
  readonly secondary: ListenerCell | null;
  readonly processor: string | null;
  readonly coverage: 'dual' | 'single' | 'dark';
}

export interface ClusterReport {
  readonly generatedAt: number;
  readonly groups: readonly ClusterGroup[];
  readonly influencers: readonly InfluencerRow[];
  readonly summary: {
    readonly influencers: number;
    readonly dual: number;
    readonly single: number;
    readonly dark: number;
    readonly withoutProcessor: number;
  };
  /** One line per thing an SRE should look at; empty = healthy. */
  readonly problems: readonly string[];
}

function processName(m: GroupMemberInput): string {
  return m.advert ? `${m.advert.host}:${m.advert.pid}` : `${m.clientHost.replace(/^\//, '')} ${m.memberId}`;
}

function memberStatusLine(m: GroupMemberInput): string {
  if (!m.status) return 'not advertised';
  return m.status.ok ? 'ok' : `unreachable: ${m.status.error}`;
}

/** Maps each partition to the member holding it (the last one wins if Kafka reports two). */
function owners(group: GroupInput): Map<number, GroupMemberInput> {
  const out = new Map<number, GroupMemberInput>();
  for (const m of group.members) for (const p of m.partitions) out.set(p, m);
  return out;
}

function listenerCell(
  owner: GroupMemberInput,
  influencer: string,
  role: 'primary' | 'secondary',
): ListenerCell {
  const process = processName(owner);
  if (!owner.status || !owner.status.ok) {
    const why = owner.status ? `status unreachable: ${owner.status.error}` : 'status not advertised';
    return { process, ip: null, kind: null, state: `unknown (${why})`, healthy: false, lagMs: null };
  }
  const { status } = owner.status;
  const inf = status.influencers?.find((i) => i.influencer === influencer);
  const mine = (inf?.listeners ?? []).filter((l) => l.role === role);
  const l = mine.find((x) => x.healthy) ?? mine[0];
  if (!l) return { process, ip: null, kind: null, state: 'not placed', healthy: false, lagMs: null };
  const ip = l.pool === undefined ? null : (status.egress?.[l.pool] ?? l.pool);
  return { process, ip, kind: l.kind, state: l.state, healthy: l.healthy, lagMs: l.lagMs ?? null };
}

export function clusterView(input: ClusterInput): ClusterReport {
  const problems: string[] = [...(input.gatherProblems ?? [])];
  const names: ClusterGroupName[] = ['A', 'B', 'processors'];
  const groups: ClusterGroup[] = names.map((name) => {
    const g = input.groups[name];
    if (g.members.length === 0) problems.push(`group ${name} (${g.groupId}) has no members`);
    else if (g.state !== 'Stable') problems.push(`group ${name} (${g.groupId}) is ${g.state}`);
    for (const m of g.members)
      if (m.status && !m.status.ok)
        problems.push(`group ${name} member ${processName(m)} status unreachable: ${m.status.error}`);
    return {
      name,
      groupId: g.groupId,
      state: g.state,
      members: g.members.map((m) => ({
        process: processName(m),
        memberId: m.memberId,
        clientHost: m.clientHost,
        opsUrl: m.advert?.opsUrl ?? null,
        partitions: m.partitions,
        status: memberStatusLine(m),
      })),
    };
  });

  const ownerA = owners(input.groups.A);
  const ownerB = owners(input.groups.B);
  const ownerP = owners(input.groups.processors);
  const unownedCoord = new Set<string>();
  const rows: InfluencerRow[] = [];
  const summary = { influencers: 0, dual: 0, single: 0, dark: 0, withoutProcessor: 0 };
  for (const id of [...input.influencers].sort()) {
    const cp = influencerPartition(id, input.coordinationPartitions);
    const bp = input.bronzePartitionOf(id);
    const a = ownerA.get(cp);
    const b = ownerB.get(cp);
    for (const [g, o] of [
      ['A', a],
      ['B', b],
    ] as const)
      if (!o && input.groups[g].members.length > 0) unownedCoord.add(`${g}:${cp}`);
    const primary = a ? listenerCell(a, id, 'primary') : null;
    const secondary = b ? listenerCell(b, id, 'secondary') : null;
    const p = ownerP.get(bp);
    const live = [primary, secondary].filter((c) => c?.healthy === true).length;
    const coverage = live === 2 ? 'dual' : live === 1 ? 'single' : 'dark';
    summary.influencers++;
    summary[coverage]++;
    if (!p) summary.withoutProcessor++;
    if (coverage !== 'dual') {
      const missing = [
        primary?.healthy
          ? null
          : `primary ${primary ? `${primary.state} in ${primary.process}` : 'has no group-A owner'}`,
        secondary?.healthy
          ? null
          : `secondary ${secondary ? `${secondary.state} in ${secondary.process}` : 'has no group-B owner'}`,
      ].filter((x) => x !== null);
      problems.push(`${id}: ${coverage}, ${missing.join('; ')}`);
    }
    if (!p) problems.push(`${id}: no processor holds bronze partition ${bp}`);
    rows.push({
      influencer: id,
      coordinationPartition: cp,
      bronzePartition: bp,
      primary,
      secondary,
      processor: p ? processName(p) : null,
      coverage,
    });
  }
  for (const u of [...unownedCoord].sort()) {
    const [g, cp] = u.split(':');
    problems.push(`group ${g} has members but none holds coordination partition ${cp}`);
  }
  return { generatedAt: input.generatedAt, groups, influencers: rows, summary, problems };
}
