/**
 * Per-partition ack bookkeeping of the processor's bronze consumer (pure, no kafkajs). A
 * delivery covers offsets [first, end); it may be acked in any order, but the committable
 * offset of a partition only moves over a contiguous run of acked deliveries from the front,
 * so a commit never covers a record whose signals are not yet acknowledged. Revoking a
 * partition forgets it: late acks of its deliveries are ignored (the new owner re-reads from
 * the last committed offset). `delivered` lets the consumer skip records it already handed
 * out when kafkajs re-fetches a partition it kept across a rebalance.
 */

interface Pending {
  readonly end: bigint;
  readonly records: number;
  acked: boolean;
}

interface PartitionState {
  readonly pending: Pending[];
  /** Everything below is acked (the offset to commit), or null before the first ack. */
  ackedUpTo: bigint | null;
  committed: bigint | null;
  /** Next offset not yet delivered by this process, or null before the first delivery. */
  delivered: bigint | null;
  highWatermark: bigint | null;
  unacked: number;
}

export interface DeliveryToken {
  readonly partition: number;
  readonly state: object;
  readonly entry: object;
}

export interface PartitionAckStatus {
  readonly partition: number;
  readonly committed: string | null;
  readonly acked: string | null;
  readonly delivered: string | null;
  readonly highWatermark: string | null;
  /** Records not yet committed (highWatermark - committed), null while unknown. */
  readonly lag: number | null;
  readonly unacked: number;
}

export class PartitionAcks {
  private readonly parts = new Map<number, PartitionState>();

  /** The new assignment: keeps partitions still owned, forgets the rest; returns the revoked ones. */
  assign(partitions: readonly number[]): number[] {
    const next = new Set(partitions);
    const revoked = [...this.parts.keys()].filter((p) => !next.has(p));
    for (const p of revoked) this.parts.delete(p);
    for (const p of next) {
      if (!this.parts.has(p)) {
        this.parts.set(p, {
          pending: [],
          ackedUpTo: null,
          committed: null,
          delivered: null,
          highWatermark: null,
          unacked: 0,
        });
      }
    }
    return revoked;
  }

  owns(partition: number): boolean {
    return this.parts.has(partition);
  }

  partitions(): number[] {
    return [...this.parts.keys()].sort((a, b) => a - b);
  }

  /** True when `offset` was already handed out by this process (a re-fetch after a rebalance). */
  alreadyDelivered(partition: number, offset: bigint): boolean {
    const d = this.parts.get(partition)?.delivered ?? null;
    return d !== null && offset < d;
  }

  noteHighWatermark(partition: number, hw: bigint): void {
    const s = this.parts.get(partition);
    if (s) s.highWatermark = hw;
  }

  /** Registers a delivery of [first, end) with `records` records; null if the partition is not owned. */
  deliver(partition: number, end: bigint, records: number): DeliveryToken | null {
    const s = this.parts.get(partition);
    if (!s) return null;
    const entry: Pending = { end, records, acked: false };
    s.pending.push(entry);
    s.delivered = end;
    s.unacked += records;
    return { partition, state: s, entry };
  }

  /** Marks a delivery acked; true when the partition's committable offset moved. */
  ack(token: DeliveryToken): boolean {
    const s = this.parts.get(token.partition);
    if (!s || s !== token.state) return false; // revoked since: the new owner re-reads it
    const entry = token.entry as Pending;
    if (entry.acked) return false;
    entry.acked = true;
    s.unacked -= entry.records;
    let moved = false;
    while (s.pending.length > 0 && (s.pending[0] as Pending).acked) {
      s.ackedUpTo = (s.pending.shift() as Pending).end;
      moved = true;
    }
    return moved;
  }

  unacked(partition: number): number {
    return this.parts.get(partition)?.unacked ?? 0;
  }

  /** Offsets acked beyond what was committed, per owned partition. */
  committable(): { partition: number; offset: bigint }[] {
    const out: { partition: number; offset: bigint }[] = [];
    for (const [partition, s] of this.parts) {
      if (s.ackedUpTo !== null && (s.committed === null || s.ackedUpTo > s.committed)) {
        out.push({ partition, offset: s.ackedUpTo });
      }
    }
    return out;
  }

  markCommitted(partition: number, offset: bigint): void {
    const s = this.parts.get(partition);
    if (s && (s.committed === null || offset > s.committed)) s.committed = offset;
  }

  status(): PartitionAckStatus[] {
    return this.partitions().map((partition) => {
      const s = this.parts.get(partition) as PartitionState;
      const base = s.committed ?? null;
      return {
        partition,
        committed: s.committed?.toString() ?? null,
        acked: s.ackedUpTo?.toString() ?? null,
        delivered: s.delivered?.toString() ?? null,
        highWatermark: s.highWatermark?.toString() ?? null,
        lag: s.highWatermark === null || base === null ? null : Number(s.highWatermark - base),
        unacked: s.unacked,
      };
    });
  }
}
