/**
 * What a member of a distributed consumer group puts in its join metadata (the userData of
 * kafkajs' MemberMetadata, JSON): the partitions it holds now, for the sticky assignor, and
 * its MemberAdvert (ops URL, role, host, pid), for `ingest cluster status`. Both travel
 * through Kafka's group coordinator, so DescribeGroups lists every member with them: no
 * registry of our own to keep in sync or to go stale.
 */
import { AssignerProtocol } from 'kafkajs';
import type { Assignment } from 'kafkajs';
import { z } from 'zod';
import type { MemberAdvert as MemberAdvertPort } from '../handoff/index.js';

export const MemberAdvert = z.object({
  opsUrl: z.string().url(),
  role: z.enum(['all', 'listeners', 'processor']),
  listenerGroup: z.enum(['A', 'B']).optional(),
  host: z.string().max(255),
  pid: z.number().int().nonnegative(),
});
export type MemberAdvert = MemberAdvertPort;

export interface JoinData {
  readonly owned: Assignment;
  readonly advert?: MemberAdvert;
}

export function encodeJoinData(data: JoinData): Buffer {
  return Buffer.from(
    JSON.stringify(
      data.advert === undefined ? { owned: data.owned } : { owned: data.owned, member: data.advert },
    ),
  );
}

/**
 * Reads a member's join metadata. A member whose metadata we cannot read (another build, another
 * assignor) yields no partitions and no advert: it only loses stickiness and its status link.
 */
export function decodeJoinData(memberMetadata: Buffer | undefined): JoinData {
  try {
    if (memberMetadata === undefined || memberMetadata.length === 0) return { owned: {} };
    const data = AssignerProtocol.MemberMetadata.decode(memberMetadata)?.userData;
    if (data === undefined || data.length === 0) return { owned: {} };
    const parsed = JSON.parse(data.toString('utf8')) as { owned?: unknown; member?: unknown };
    const owned: Assignment = {};
    if (typeof parsed.owned === 'object' && parsed.owned !== null)
      for (const [topic, ps] of Object.entries(parsed.owned))
        if (Array.isArray(ps)) owned[topic] = ps.filter((p): p is number => Number.isInteger(p));
    const advert = MemberAdvert.safeParse(parsed.member);
    return advert.success ? { owned, advert: advert.data } : { owned };
  } catch {
    return { owned: {} };
  }
}

/** The partitions of `topic` in a member's assignment (DescribeGroups' memberAssignment). */
export function assignedPartitions(memberAssignment: Buffer | undefined, topic: string): number[] {
  try {
    if (memberAssignment === undefined || memberAssignment.length === 0) return [];
    const a = AssignerProtocol.MemberAssignment.decode(memberAssignment);
    return [...(a?.assignment[topic] ?? [])].sort((x, y) => x - y);
  } catch {
    return [];
  }
}
