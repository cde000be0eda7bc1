import fc from 'fast-check';
import { Partitioners } from 'kafkajs';
import type { PartitionerArgs, PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KeyPartitions, MAX_REMEMBERED_KEYS } from '../../src/sinks/kafka/partitioner.js';

const meta = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));

const args = (key: string | null, count: number, partition?: number): PartitionerArgs => ({
  topic: 't',
  partitionMetadata: meta(count),
  message: { key, value: 'v', ...(partition === undefined ? {} : { partition }) },
});

describe('KeyPartitions', () => {
  it("places every key where kafkajs' default partitioner does, first time and remembered", () => {
    const p = new KeyPartitions();
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.integer({ min: 1, max: 64 }),
        (key, n) => {
          const expected = Partitioners.DefaultPartitioner()(args(key, n));
          expect(p.partition(args(key, n))).toBe(expected);
          expect(p.partition(args(key, n))).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('remembers a key per partition count: more partitions place it anew', () => {
    const p = new KeyPartitions();
    const key = 'inf-7|BTC';
    expect(p.partition(args(key, 6))).toBe(Partitioners.DefaultPartitioner()(args(key, 6)));
    expect(p.size).toBe(1);
    expect(p.partition(args(key, 6))).toBe(Partitioners.DefaultPartitioner()(args(key, 6)));
    expect(p.size).toBe(1);
    expect(p.partition(args(key, 12))).toBe(Partitioners.DefaultPartitioner()(args(key, 12)));
    expect(p.size).toBe(2);
  });

  it('leaves a message with its own partition, or without a key, to the default', () => {
    const p = new KeyPartitions();
    expect(p.partition(args('k', 6, 4))).toBe(4);
    const keyless = new Set(Array.from({ length: 12 }, () => p.partition(args(null, 6))));
    // Round-robin: keyless messages spread over the partitions.
    expect(keyless.size).toBeGreaterThan(1);
    expect(p.size).toBe(0);
  });

  it('stays bounded under a flood of distinct keys', () => {
    const p = new KeyPartitions();
    for (let i = 0; i < MAX_REMEMBERED_KEYS + 10; i++) p.partition(args(`k${i}`, 3));
    expect(p.size).toBeGreaterThan(0);
    expect(p.size).toBeLessThanOrEqual(MAX_REMEMBERED_KEYS);
    expect(p.partition(args('k1', 3))).toBe(Partitioners.DefaultPartitioner()(args('k1', 3)));
  });
});
