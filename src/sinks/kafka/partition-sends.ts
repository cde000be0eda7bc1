/**
 * How a batch reaches Kafka, and why a refused record costs no duplicates.
 *
 * A batch goes out as one request per partition leader (the broker that leads those partitions),
 * all through the topic's one idempotent producer: per-request work on both ends (a socket write
 * and its wake-up, a response to read) is paid once per broker, not once per partition.
 *
 * A request spanning several partitions is refused as a whole when the broker refuses one
 * partition's record batch (too large, invalid), yet the broker has written the others, the
 * error does not say which, and kafkajs rolls back the sequence numbers of every partition in
 * it. So after a refusal each partition of that request is sent again alone, through the same
 * producer: a partition batch the broker already wrote carries the same producer id and sequence
 * numbers, so the broker acknowledges it without writing it twice; one it had not written is
 * written; only the partition holding the refused record is refused again. What the broker
 * took is remembered (`TakenMemory`) and skipped when the queue, isolating the record by
 * bisection, sends the rest again, so the broker gets each record once. A fatal producer error
 * (fatal.ts) on one partition is settled the same way before the producer is replaced, because
 * a new producer id re-sending the others could not be recognised.
 *
 * The grouping by leader comes from our own metadata read. Should the leaders move between that
 * read and a send, kafkajs splits the send by its own view, and a refusal on one broker can then
 * come while the other broker's part was written and its sequence numbers advanced: re-sending
 * that part alone writes it once more (same signalIds, which consumers dedupe on). That needs a
 * refused record and a leader change in the same moment; the sequence numbers rule out every
 * other duplicate.
 */
import type { PartitionMetadata } from 'kafkajs';
import type { KafkaMessageOut } from './client.js';
import { KeyPartitions } from './partitioner.js';
import { FifoSet } from '../../core/index.js';

const partitioner = new KeyPartitions().partition;

const metadata = new Map<number, PartitionMetadata[]>();

/** The partition kafkajs' default partitioner picks for a keyed message among `count` (partitioner.ts). */
export function partitionOf(topic: string, key: string, count: number): number {
  let partitionMetadata = metadata.get(count);
  if (!partitionMetadata) {
    partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
    }));
    metadata.set(count, partitionMetadata);
  }
  return partitioner({ topic, partitionMetadata, message: { key, value: null } });
}

export interface PartitionGroup {
  /** null when the partition count is unknown (then there is one group). */
  readonly partition: number | null;
  readonly messages: KafkaMessageOut[];
}

/** Messages grouped by partition, each group in batch order; one group when `count` is unknown. */
export function partitionGroups(
  topic: string,
  messages: readonly KafkaMessageOut[],
  count: number | null,
): PartitionGroup[] {
  if (count === null || count < 1) return [{ partition: null, messages: [...messages] }];
  const groups = new Map<number, KafkaMessageOut[]>();
  for (const m of messages) {
    const p = count === 1 ? 0 : partitionOf(topic, m.key, count);
    const g = groups.get(p);
    if (g) g.push(m);
    else groups.set(p, [m]);
  }
  return [...groups].map(([partition, group]) => ({ partition, messages: group }));
}

/** A broker's share of a batch: the partition groups it leads (`leader` null: not known). */
export interface LeaderGroup {
  readonly leader: number | null;
  readonly groups: PartitionGroup[];
}

/** Partition groups by the broker that leads each (one group of all when leaders are not known). */
export function leaderGroups(
  groups: readonly PartitionGroup[],
  leaders: ReadonlyMap<number, number> | null,
): LeaderGroup[] {
  const byLeader = new Map<number | null, PartitionGroup[]>();
  for (const g of groups) {
    const leader = g.partition === null ? null : (leaders?.get(g.partition) ?? null);
    const l = byLeader.get(leader);
    if (l) l.push(g);
    else byLeader.set(leader, [g]);
  }
  return [...byLeader].map(([leader, gs]) => ({ leader, groups: gs }));
}

/**
 * Partition -> leader from a metadata answer's partitions (kafkajs: `{ partitionId, leader }`);
 * null when the answer does not say (then a batch goes as one send, split by kafkajs).
 */
export function leadersOf(partitions: readonly unknown[]): Map<number, number> | null {
  const leaders = new Map<number, number>();
  for (const p of partitions) {
    const { partitionId, leader } = (p ?? {}) as { partitionId?: unknown; leader?: unknown };
    if (typeof partitionId !== 'number' || typeof leader !== 'number') return null;
    leaders.set(partitionId, leader);
  }
  return leaders;
}

/** Bound on remembered records (a few failed batches' worth). */
const MAX_TAKEN = 100_000;

/** Messages the broker acknowledged in a call that failed as a whole. */
export class TakenMemory {
  // Oldest-first at the bound: a plain Set's oldest is O(n) to find (core/fifo-map.ts).
  private readonly taken = new FifoSet<string>();

  private static id(m: KafkaMessageOut): string {
    return `${m.key}\u0000${m.value}`;
  }

  get size(): number {
    return this.taken.size;
  }

  remember(messages: readonly KafkaMessageOut[]): void {
    for (const m of messages) {
      if (this.taken.size >= MAX_TAKEN) this.taken.shift();
      this.taken.add(TakenMemory.id(m));
    }
  }

  /** The messages still to send. */
  unsent(messages: KafkaMessageOut[]): KafkaMessageOut[] {
    if (this.taken.size === 0) return messages;
    return messages.filter((m) => !this.taken.has(TakenMemory.id(m)));
  }

  /** The call that carried these succeeded: whatever of them was remembered is settled. */
  forget(messages: readonly KafkaMessageOut[]): void {
    if (this.taken.size === 0) return;
    for (const m of messages) this.taken.delete(TakenMemory.id(m));
  }
}
