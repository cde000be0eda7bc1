/**
 * A kafkajs PartitionAssigner around assignSticky (sticky-assignment.ts). kafkajs 2.2.4 has no
 * sticky or cooperative assignor: its only built-in (round-robin) ignores who held what. Here
 * each member advertises the partitions it holds now in its join metadata (userData, JSON
 * `{"owned":{"<topic>":[p,...]}}`), and the group leader's assign() keeps them where balance
 * allows. The protocol is still eager (kafkajs revokes everything on every rebalance), but the
 * same partitions come straight back, so per-partition state can stay warm.
 */
import { AssignerProtocol } from 'kafkajs';
import type { Assignment, GroupMember, PartitionAssigner } from 'kafkajs';
import { assignSticky } from './sticky-assignment.js';

export const STICKY_ASSIGNER_NAME = 'HlStickyAssigner';
const VERSION = 1;

/** The partitions this member holds now, by topic; read at every join. */
export type CurrentAssignment = () => Readonly<Assignment>;

function ownedOf(member: GroupMember): Assignment {
  try {
    const meta = AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
    const data = meta?.userData;
    if (data === undefined || data.length === 0) return {};
    const parsed = JSON.parse(data.toString('utf8')) as { owned?: unknown };
    const owned = parsed.owned;
    if (typeof owned !== 'object' || owned === null) return {};
    const out: Assignment = {};
    for (const [topic, ps] of Object.entries(owned)) {
      if (Array.isArray(ps)) out[topic] = ps.filter((p): p is number => Number.isInteger(p));
    }
    return out;
  } catch {
    // A member we cannot read (another build) is treated as new: it just loses stickiness.
    return {};
  }
}

export function stickyAssigner(current: CurrentAssignment): PartitionAssigner {
  return ({ cluster }) => ({
    name: STICKY_ASSIGNER_NAME,
    version: VERSION,
    protocol({ topics }) {
      return {
        name: STICKY_ASSIGNER_NAME,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: VERSION,
          topics,
          userData: Buffer.from(JSON.stringify({ owned: current() })),
        }),
      };
    },
    async assign({ members, topics }) {
      const owned = new Map(members.map((m) => [m.memberId, ownedOf(m)]));
      const result = new Map<string, Assignment>(members.map((m) => [m.memberId, {}]));
      for (const topic of topics) {
        const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
        const perMember = assignSticky(
          members.map((m) => ({ memberId: m.memberId, previous: owned.get(m.memberId)?.[topic] ?? [] })),
          partitions,
        );
        for (const [memberId, ps] of perMember) {
          const a = result.get(memberId);
          if (a !== undefined && ps.length > 0) a[topic] = ps;
        }
      }
      return [...result].map(([memberId, assignment]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: VERSION,
          assignment,
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}
