/**
 * A kafkajs PartitionAssigner around assignSticky (sticky-assignment.ts). kafkajs 2.2.4 has no
 * sticky or cooperative assignor: its only built-in (round-robin) ignores who held what. Here
 * each member advertises the partitions it holds now in its join metadata (userData, JSON
 * `{"owned":{"<topic>":[p,...]},"member":{...}}`, join-metadata.ts), and the group leader's
 * assign() keeps them where balance
 * allows. The protocol is still eager (kafkajs revokes everything on every rebalance), but the
 * same partitions come straight back, so per-partition state can stay warm.
 */
import { AssignerProtocol } from 'kafkajs';
import type { Assignment, PartitionAssigner } from 'kafkajs';
import { assignSticky } from './sticky-assignment.js';
import { decodeJoinData, encodeJoinData } from './join-metadata.js';
import type { JoinData } from './join-metadata.js';

export const STICKY_ASSIGNER_NAME = 'HlStickyAssigner';
const VERSION = 1;

/** What this member says at every join: the partitions it holds now (and who it is). */
export type CurrentJoinData = () => JoinData;

export function stickyAssigner(current: CurrentJoinData): PartitionAssigner {
  return ({ cluster }) => ({
    name: STICKY_ASSIGNER_NAME,
    version: VERSION,
    protocol({ topics }) {
      return {
        name: STICKY_ASSIGNER_NAME,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: VERSION,
          topics,
          userData: encodeJoinData(current()),
        }),
      };
    },
    async assign({ members, topics }) {
      const owned = new Map(members.map((m) => [m.memberId, decodeJoinData(m.memberMetadata).owned]));
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
