import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderBlock } from '../../src/fanin/index.js';
import type { FillEvent } from '../../src/core/index.js';
import { fill, U1, U2 } from './helpers.js';

const tids = (fs: readonly FillEvent[]): (number | null)[] => fs.map((f) => f.tid);

describe('orderBlock', () => {
  it('orders same-block fills by the startPosition chain, not by tid', () => {
    const a = fill({ tid: 900, start: '0', sz: '1', side: 'B' }); // 0 -> 1
    const b = fill({ tid: 100, start: '1', sz: '2', side: 'B' }); // 1 -> 3
    const c = fill({ tid: 500, start: '3', sz: '2', side: 'A' }); // 3 -> 1
    expect(tids(orderBlock([c, b, a]))).toEqual([900, 100, 500]);
    expect(tids(orderBlock([b, a, c]))).toEqual([900, 100, 500]);
  });

  it('keeps a self-trade pair adjacent and before the fill that moves on from the same start', () => {
    const open = fill({ tid: 7, start: '0', sz: '5', side: 'B' }); // 0 -> 5
    const pairB = fill({ tid: 3, start: '5', sz: '2', side: 'B' });
    const pairA = fill({ tid: 3, start: '5', sz: '2', side: 'A' });
    const next = fill({ tid: 1, start: '5', sz: '1', side: 'B' }); // 5 -> 6
    const out = orderBlock([next, pairB, open, pairA]);
    expect(out.map((f) => `${f.tid}${f.side}`)).toEqual(['7B', '3A', '3B', '1B']);
  });

  it('orders a chain that returns to an earlier position (Eulerian trail), using the previous end as start', () => {
    const a = fill({ tid: 9, start: '0', sz: '5', side: 'B' }); // 0 -> 5
    const b = fill({ tid: 8, start: '5', sz: '5', side: 'A' }); // 5 -> 0
    const c = fill({ tid: 1, start: '0', sz: '3', side: 'B' }); // 0 -> 3
    expect(tids(orderBlock([c, b, a]))).toEqual([9, 8, 1]);
    // Closed chain 5 -> 0 -> 5: the previous block ended at 0, so it starts at 0.
    const d = fill({ tid: 2, start: '5', sz: '5', side: 'A' });
    const e = fill({ tid: 3, start: '0', sz: '5', side: 'B' });
    const prevEnd0 = fill({ tid: 99, start: '1', sz: '1', side: 'A', time: 1 });
    expect(tids(orderBlock([d, e], () => prevEnd0))).toEqual([3, 2]);
    expect(tids(orderBlock([d, e]))).toEqual([2, 3]);
  });

  it('appends fills the chain cannot connect (a gap) deterministically', () => {
    const a = fill({ tid: 5, start: '0', sz: '1' }); // 0 -> 1
    const b = fill({ tid: 4, start: '7', sz: '1' }); // 7 -> 8 (the fill 1 -> 7 is missing)
    expect(tids(orderBlock([b, a]))).toEqual(tids(orderBlock([a, b])));
    expect(orderBlock([b, a])).toHaveLength(2);
  });

  it('without startPosition (trades feed) orders by tid then side, keeping a self-trade pair adjacent', () => {
    const x = fill({ tid: 20, start: null, side: 'B' });
    const y = fill({ tid: 10, start: null, side: 'B' });
    const z = fill({ tid: 10, start: null, side: 'A' });
    expect(orderBlock([x, y, z]).map((f) => `${f.tid}${f.side}`)).toEqual(['10A', '10B', '20B']);
  });

  it('groups users by address', () => {
    const p = fill({ user: U2, tid: 1 });
    const q = fill({ user: U1, tid: 2 });
    expect(orderBlock([p, q]).map((f) => f.user)).toEqual([U1, U2]);
  });

  it('gives the same order for every permutation of the same block', () => {
    const block = [
      fill({ tid: 11, start: '0', sz: '2', side: 'B' }), // 0 -> 2
      fill({ tid: 12, start: '2', sz: '1', side: 'B' }), // pair at 2
      fill({ tid: 12, start: '2', sz: '1', side: 'A' }),
      fill({ tid: 13, start: '2', sz: '2', side: 'A' }), // 2 -> 0
      fill({ tid: 14, start: '0', sz: '4', side: 'A' }), // 0 -> -4
      fill({ user: U2, tid: 15, start: null }),
      fill({ user: U2, tid: 16, start: null, side: 'A' }),
    ];
    const canonical = orderBlock(block).map((f) => f.eventId);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(block, { minLength: block.length, maxLength: block.length }),
        (perm) => {
          expect(orderBlock(perm).map((f) => f.eventId)).toEqual(canonical);
        },
      ),
    );
  });
});
