/**
 * Influencer id -> coordination-topic partition. The mapping must never change between builds,
 * processes or Node versions (a change would hand influencers to two listeners of one group at
 * once during a rolling deploy), so it is spelled out here instead of borrowing a library's:
 *
 *   partition = FNV-1a-32(UTF-8 bytes of the id) mod partitions      (unsigned 32-bit)
 *
 * FNV-1a: h = 0x811c9dc5; for each byte b: h = (h XOR b) * 0x01000193 mod 2^32.
 * test/distributed/influencer-hash.test.ts pins known values.
 */

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function influencerPartition(influencerId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`coordination partitions must be a positive integer, got ${partitions}`);
  }
  return fnv1a32(influencerId) % partitions;
}
