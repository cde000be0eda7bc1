/**
 * kafkajs' default (Java-compatible murmur2) partitioner, remembering each key's partition.
 * The murmur2 there works on 64-bit Long objects, several new ones for every four bytes of key,
 * and it ran twice per signal (our grouping by partition, then kafkajs' own): a quarter of what the
 * sink thread allocated at 2 000 signals/s. Keys are few ((influencer, market) pairs), so each
 * is hashed once per partition count. Placement is exactly the default's: the hash depends on
 * the key and the count alone.
 */
import { Partitioners } from 'kafkajs';
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

/** Keys remembered before the memory starts over (far more than (influencer, market) pairs). */
export const MAX_REMEMBERED_KEYS = 50_000;

export class KeyPartitions {
  private readonly inner = Partitioners.DefaultPartitioner();
  private readonly memo = new Map<string, number>();

  get size(): number {
    return this.memo.size;
  }

  /** kafkajs' partitioner contract: a message with a partition or without a key goes to it as is. */
  readonly partition = (args: PartitionerArgs): number => {
    const { message, partitionMetadata } = args;
    if (message.partition !== null && message.partition !== undefined) return this.inner(args);
    if (typeof message.key !== 'string') return this.inner(args);
    const k = `${partitionMetadata.length}\u0000${message.key}`;
    let p = this.memo.get(k);
    if (p === undefined) {
      p = this.inner(args);
      if (this.memo.size >= MAX_REMEMBERED_KEYS) this.memo.clear();
      this.memo.set(k, p);
    }
    return p;
  };
}

/** For kafkajs' `createPartitioner`: a fresh memory per producer. */
export const rememberingPartitioner: ICustomPartitioner = () => new KeyPartitions().partition;
