/**
 * The join metadata carries the sticky assignor's held partitions and the member's advert through
 * Kafka's group coordinator; anything unreadable must cost only stickiness and the status link,
 * never the join.
 */
import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { assignedPartitions, decodeJoinData, encodeJoinData } from '../../src/distributed/index.js';

const meta = (userData: Buffer): Buffer =>
  AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['t'], userData });

describe('join metadata', () => {
  it('round-trips held partitions and the advert', () => {
    const advert = {
      opsUrl: 'http://10.0.3.7:9464',
      role: 'listeners' as const,
      listenerGroup: 'B' as const,
      host: 'ingest-listeners-b-0',
      pid: 7,
    };
    const data = decodeJoinData(meta(encodeJoinData({ owned: { t: [3, 1] }, advert })));
    expect(data).toEqual({ owned: { t: [3, 1] }, advert });
    expect(decodeJoinData(meta(encodeJoinData({ owned: { t: [] } })))).toEqual({ owned: { t: [] } });
  });

  it('reads what it can: a bad advert is dropped, bad partitions are filtered, garbage is empty', () => {
    const bad = Buffer.from(
      JSON.stringify({ owned: { t: [1, 'x', 2.5, 4] }, member: { opsUrl: 'not a url' } }),
    );
    expect(decodeJoinData(meta(bad))).toEqual({ owned: { t: [1, 4] } });
    expect(decodeJoinData(meta(Buffer.from('{oops')))).toEqual({ owned: {} });
    expect(decodeJoinData(Buffer.from([1, 2, 3]))).toEqual({ owned: {} });
    expect(decodeJoinData(undefined)).toEqual({ owned: {} });
  });

  it('assignedPartitions reads one topic of a member assignment, sorted', () => {
    const a = AssignerProtocol.MemberAssignment.encode({
      version: 1,
      assignment: { t: [5, 0, 2], other: [1] },
      userData: Buffer.alloc(0),
    });
    expect(assignedPartitions(a, 't')).toEqual([0, 2, 5]);
    expect(assignedPartitions(a, 'missing')).toEqual([]);
    expect(assignedPartitions(Buffer.from([9]), 't')).toEqual([]);
  });
});
