import { describe, expect, it } from 'vitest';
import { continuesChain, recordEnds } from '../../src/fanin/chain-evidence.js';
import type { ChainEnds } from '../../src/fanin/chain-evidence.js';
import { dec, decStr } from '../../src/core/index.js';
import { U1, fill } from './helpers.js';

const endOf = (ends: ChainEnds): string | null | undefined => {
  const e = ends.get(U1);
  return e === undefined || e === null ? e : decStr(e);
};

describe('chain evidence', () => {
  it('a self-trade pair is one step, and the fill after it is not taken for a second pair leg', () => {
    // Seen in the simulator: pair at 0.12 (one tid), then another fill A 0.01 from 0.12.
    const block = [
      fill({ side: 'A', sz: '0.06', start: '0.19', tid: 1 }),
      fill({ side: 'A', sz: '0.01', start: '0.13', tid: 2 }),
      fill({ side: 'A', sz: '0.01', start: '0.12', tid: 3 }),
      fill({ side: 'B', sz: '0.01', start: '0.12', tid: 3 }),
      fill({ side: 'A', sz: '0.01', start: '0.12', tid: 4 }),
      fill({ side: 'A', sz: '0.12', start: '0.11', tid: 5 }),
    ];
    const ends: ChainEnds = new Map([[U1, dec('0.19')]]);
    expect(continuesChain(block, ends)).toBe(true);
    recordEnds(block, ends);
    expect(endOf(ends)).toBe('-0.01');
  });

  it('a closed chain with no known start leaves the end unknown (it may be rotated)', () => {
    // 0 -> -0.004 -> -0.003 -> -0.002 -> 0, delivered starting at -0.003.
    const block = [
      fill({ side: 'B', sz: '0.001', start: '-0.003', tid: 1 }),
      fill({ side: 'B', sz: '0.002', start: '-0.002', tid: 2 }),
      fill({ side: 'A', sz: '0.004', start: '0', tid: 3 }),
      fill({ side: 'B', sz: '0.001', start: '-0.004', tid: 4 }),
    ];
    const ends: ChainEnds = new Map();
    recordEnds(block, ends);
    expect(endOf(ends)).toBeNull();
    // Known start: the end is known.
    const known: ChainEnds = new Map([[U1, dec('-0.003')]]);
    expect(continuesChain(block, known)).toBe(true);
    recordEnds(block, known);
    expect(endOf(known)).toBe('-0.003');
  });

  it('a fill that does not continue the chain is evidence', () => {
    const ends: ChainEnds = new Map([[U1, dec('1')]]);
    expect(continuesChain([fill({ start: '2' })], ends)).toBe(false);
    expect(continuesChain([fill({ start: null })], ends)).toBe(true);
  });
});
