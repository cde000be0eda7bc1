// Property tests over random fill sequences: positions add up exactly, actions obey the
// state machine, and signals do not depend on how fills are split or ordered within a block.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, ZERO, dec, decStr, sign } from '../../src/core/index.js';
import type { FillEvent } from '../../src/core/index.js';
import { Signal } from '../../src/positions/index.js';
import type { PositionSource } from '../../src/positions/index.js';
import { USER, engineWith, fill } from './helpers.js';

interface Op {
  side: 'B' | 'A';
  sz: string;
  self: boolean;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  side: fc.constantFrom('B' as const, 'A' as const),
  sz: fc.integer({ min: 1, max: 40 }).map((n) => decStr(new Decimal(n).div(10))),
  self: fc.integer({ min: 0, max: 9 }).map((n) => n < 3),
});
const blocksArb = fc.array(fc.array(opArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 12 });
const seedArb = fc.integer({ min: -20, max: 20 }).map((n) => decStr(new Decimal(n).div(4)));

function build(seed: string, blocks: Op[][]): { fills: FillEvent[][]; end: Decimal } {
  let pos = dec(seed);
  let tid = 1;
  const out: FillEvent[][] = [];
  blocks.forEach((ops, i) => {
    const time = 10_000 + i * 10;
    const block: FillEvent[] = [];
    for (const op of ops) {
      const start = decStr(pos);
      if (op.self) {
        const t = tid++;
        block.push(fill({ side: 'B', sz: op.sz, time, start, tid: t, oid: 2 * t }));
        block.push(fill({ side: 'A', sz: op.sz, time, start, tid: t, oid: 2 * t + 1 }));
        continue;
      }
      block.push(
        fill({ side: op.side, sz: op.sz, time, start, tid: tid++, oid: i, px: String(100 + (tid % 7)) }),
      );
      pos = pos.plus(op.side === 'B' ? dec(op.sz) : dec(op.sz).neg());
    }
    out.push(block);
  });
  return { fills: out, end: pos };
}

const source = (seed: string): PositionSource => ({
  positions: () => Promise.resolve({ positions: new Map([['BTC', dec(seed)]]), time: 0 }),
});

async function run(
  seed: string,
  fills: FillEvent[][],
  shuffle: (xs: FillEvent[]) => FillEvent[],
  gaps: number[],
) {
  const h = engineWith({ positionSource: source(seed), settleMs: 50 });
  await h.engine.admit('inf-1', USER);
  let g = 0;
  for (const block of fills)
    for (const f of shuffle(block)) {
      h.engine.ingest('inf-1', f);
      h.clock.advance((gaps[g++ % Math.max(1, gaps.length)] ?? 0) % 50);
    }
  await h.engine.close();
  return h;
}

const essence = (s: Signal) => [
  s.signalId,
  s.action,
  s.position,
  s.deltaSize,
  s.price,
  s.sourceEventIds.join(),
];

describe('position engine properties', () => {
  it('final position = seed + signed fills; actions obey the state machine; deltas add up', async () => {
    await fc.assert(
      fc.asyncProperty(seedArb, blocksArb, async (seed, blocks) => {
        const { fills, end } = build(seed, blocks);
        const h = await run(seed, fills, (x) => x, []);
        expect(h.engine.position('inf-1', 'BTC')?.eq(end)).toBe(true);
        expect(h.counts['gap']).toBeUndefined();
        let total = ZERO;
        const byId = new Map(fills.flat().map((f) => [f.eventId, f]));
        for (const s of h.signals) {
          Signal.parse(s);
          const prev = dec(s.previousPosition);
          const pos = dec(s.position);
          total = total.plus(dec(s.deltaSize));
          expect(dec(s.deltaSize).eq(pos.minus(prev))).toBe(true);
          const signed = s.sourceEventIds
            .map((id) => byId.get(id) as FillEvent)
            .reduce((a, f) => a.plus(f.side === 'B' ? f.sz : f.sz.neg()), ZERO);
          expect(signed.eq(dec(s.deltaSize))).toBe(true);
          if (s.action === 'OPEN') expect(prev.isZero()).toBe(true);
          if (s.action === 'CLOSE') expect(pos.isZero()).toBe(true);
          if (s.action === 'FLIP') expect(sign(prev) * sign(pos)).toBe(-1);
          if (sign(prev) * sign(pos) === -1) expect(s.action).toBe('FLIP');
          expect(s.action).not.toBe('RECONCILE');
        }
        expect(total.eq(end.minus(dec(seed)))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('signals and ids do not depend on how fills are split into deliveries or ordered within a block', async () => {
    await fc.assert(
      fc.asyncProperty(
        seedArb,
        blocksArb,
        fc.array(fc.integer({ min: 0, max: 49 }), { maxLength: 20 }),
        fc.integer(),
        async (seed, blocks, gaps, salt) => {
          const { fills } = build(seed, blocks);
          const a = await run(seed, fills, (x) => x, []);
          const shuffle = (xs: FillEvent[]): FillEvent[] =>
            [...xs].sort(
              (p, q) => ((p.eventId.charCodeAt(3) ^ salt) & 7) - ((q.eventId.charCodeAt(3) ^ salt) & 7),
            );
          const b = await run(seed, fills, shuffle, gaps);
          expect(b.signals.map(essence)).toEqual(a.signals.map(essence));
        },
      ),
      { numRuns: 150 },
    );
  });
});
