import { describe, expect, it } from 'vitest';
import { fnv1a32, influencerPartition } from '../../src/distributed/index.js';

describe('influencer -> coordination partition hash', () => {
  it('is FNV-1a 32-bit (published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('is pinned: these ids map to these partitions forever (a change remaps live influencers)', () => {
    const pinned = Object.fromEntries(
      ['inf-1', 'inf-2', 'inf-42', 'whale-0xabc', 'trader/ü'].map((id) => [id, influencerPartition(id, 64)]),
    );
    expect(pinned).toEqual({ 'inf-1': 42, 'inf-2': 23, 'inf-42': 57, 'whale-0xabc': 31, 'trader/ü': 5 });
  });

  it('spreads ids over the partitions and refuses a bad partition count', () => {
    const hits = new Set(Array.from({ length: 400 }, (_, i) => influencerPartition(`inf-${i}`, 16)));
    expect(hits.size).toBe(16);
    expect(() => influencerPartition('x', 0)).toThrow(/positive integer/);
  });
});
