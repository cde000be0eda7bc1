/**
 * Gathers what `ingest cluster status` shows (cluster-view.ts): the three consumer groups from
 * Kafka's group coordinator (DescribeGroups: members, their join metadata with the ops URL each
 * advertised, their assignments), the partition counts of the coordination and bronze topics,
 * and each member's /status.json over HTTP. Every member is asked at once, each with its own
 * timeout, so one hung process costs one timeout, not one per member.
 */
import type { Kafka } from 'kafkajs';
import { errorMessage } from '../core/index.js';
import type { DistributedKafkaConfig } from '../config/index.js';
import { partitionOf } from '../sinks/kafka/index.js';
import { assignedPartitions, decodeJoinData } from './join-metadata.js';
import { clusterView } from './cluster-view.js';
import { clusterGroupIds } from './group-ids.js';
import type { ClusterGroupName } from './group-ids.js';
import type {
  ClusterReport,
  GroupInput,
  GroupMemberInput,
  MemberStatusJson,
  MemberStatusResult,
} from './cluster-view.js';

export interface ClusterProbeOptions {
  readonly kafka: Kafka;
  readonly config: DistributedKafkaConfig;
  /** Enabled influencer ids (from the influencer source). */
  readonly influencers: readonly string[];
  /** Bearer token for members' /status.json (http.token); unset = none sent. */
  readonly token?: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

async function memberStatus(
  opsUrl: string,
  o: Pick<ClusterProbeOptions, 'token' | 'timeoutMs' | 'fetch'>,
): Promise<MemberStatusResult> {
  const get = o.fetch ?? fetch;
  try {
    const res = await get(`${opsUrl}/status.json`, {
      headers: o.token === undefined ? {} : { authorization: `Bearer ${o.token}` },
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    if (!res.ok) return { ok: false, error: `${opsUrl}/status.json answered HTTP ${res.status}` };
    return { ok: true, status: (await res.json()) as MemberStatusJson };
  } catch (e) {
    return { ok: false, error: `${opsUrl}: ${errorMessage(e)}` };
  }
}

export async function probeCluster(o: ClusterProbeOptions): Promise<ClusterReport> {
  const { config } = o;
  const ids = clusterGroupIds(config);
  const problems: string[] = [];
  const admin = o.kafka.admin();
  await admin.connect();
  let described: Awaited<ReturnType<typeof admin.describeGroups>>;
  const counts = { coordination: config.coordination.partitions, bronze: config.bronze.partitions };
  try {
    described = await admin.describeGroups(Object.values(ids));
    for (const [key, topic] of [
      ['coordination', config.coordination.topic],
      ['bronze', config.bronze.topic],
    ] as const) {
      try {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const n = meta.topics[0]?.partitions.length ?? 0;
        if (n > 0) counts[key] = n;
      } catch (e) {
        problems.push(`topic ${topic}: ${errorMessage(e)} (assuming ${counts[key]} partitions from config)`);
      }
    }
  } finally {
    await admin.disconnect();
  }

  const topicOf: Record<ClusterGroupName, string> = {
    A: config.coordination.topic,
    B: config.coordination.topic,
    processors: config.bronze.topic,
  };
  const groups = {} as Record<ClusterGroupName, GroupInput>;
  await Promise.all(
    (Object.keys(ids) as ClusterGroupName[]).map(async (name) => {
      const g = described.groups.find((x) => x.groupId === ids[name]);
      const members: GroupMemberInput[] = await Promise.all(
        (g?.members ?? []).map(async (m) => {
          const { advert } = decodeJoinData(m.memberMetadata);
          const base = {
            memberId: m.memberId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            partitions: assignedPartitions(m.memberAssignment, topicOf[name]),
          };
          if (!advert) return base;
          return { ...base, advert, status: await memberStatus(advert.opsUrl, o) };
        }),
      );
      groups[name] = { groupId: ids[name], state: g?.state ?? 'Dead', members };
    }),
  );
  return clusterView({
    generatedAt: (o.now ?? Date.now)(),
    influencers: o.influencers,
    coordinationPartitions: counts.coordination,
    bronzePartitions: counts.bronze,
    bronzePartitionOf: (id) => partitionOf(config.bronze.topic, id, counts.bronze),
    groups,
    gatherProblems: problems,
  });
}
