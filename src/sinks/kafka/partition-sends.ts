/**
 * Why a refused record costs no duplicates. A produce request that spans several partitions
 * is refused as a whole when the broker refuses the record batch of one partition (too large,
 * invalid), yet the broker has written the other partitions, and the error does not say which.
 * Re-sending the batch (the queue isolates the record by bisection) then writes those again.
 * So a batch is sent as one request per partition (the partition the default murmur2
 * partitioner picks for the key, from the topic's partition count): a refusal names exactly the
 * records of one partition, none of them written, and every other request either succeeded or
 * failed on its own. Records of a request that succeeded while the call as a whole failed are
 * remembered (`TakenMemory`) and skipped when the queue sends them again, so the broker gets
 * each record once.
 */
import { Partitioners } from 'kafkajs';
import type { PartitionMetadata } from 'kafkajs';
import type { KafkaMessageOut } from './client.js';

const partitioner = Partitioners.DefaultPartitioner();

const metadata = new Map<number, PartitionMetadata[]>();

/** The partition kafkajs' default partitioner picks for a keyed message among `count`. */
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

/** Bound on remembered records (a few failed batches' worth). */
const MAX_TAKEN = 100_000;

/** Messages the broker acknowledged in a call that failed as a whole. */
export class TakenMemory {
  private readonly taken = new Set<string>();

  private static id(m: KafkaMessageOut): string {
    return `${m.key}\u0000${m.value}`;
  }

  get size(): number {
    return this.taken.size;
  }

  remember(messages: readonly KafkaMessageOut[]): void {
    for (const m of messages) {
      if (this.taken.size >= MAX_TAKEN) {
        const oldest = this.taken.values().next();
        if (!oldest.done) this.taken.delete(oldest.value);
      }
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
