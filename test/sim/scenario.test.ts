/**
 * Scripted markets: every step kind produces the fills the real exchange would (partials,
 * self-trade pair, flip, liquidation, maker fill, TWAP slice, ADL, settlement), YAML files load,
 * and bad scenarios fail with a message naming the problem.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ZERO_HASH, parseScenario, startSimulator, type Simulator } from '../../src/sim/index.js';

const A = '0x1111111111111111111111111111111111111111';
const B = '0x2222222222222222222222222222222222222222';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('scenario steps', () => {
  it('executes each kind with exchange-consistent fills', async () => {
    sim = await startSimulator({
      tickMs: 0,
      scenario: {
        accounts: [A, B],
        steps: [
          { at: 1, user: 0, coin: 'BTC', side: 'B', sz: '0.010', px: '70000', makers: 3 },
          { at: 2, user: 0, coin: 'BTC', side: 'A', sz: '0.004', px: '70010', kind: 'self', makers: 2 },
          { at: 3, user: 0, coin: 'BTC', side: 'A', sz: '0.025', px: '70100' },
          { at: 4, user: 1, coin: 'ETH', side: 'B', sz: '1', px: '3500', kind: 'maker' },
          { at: 4, user: 0, coin: 'ETH', side: 'B', sz: '0.5', px: '3501', counterparty: 1 },
          { at: 5, user: 0, coin: 'BTC', px: '71000', kind: 'liquidation', makers: 2 },
          { at: 6, user: 1, coin: 'xyz:TSLA', side: 'B', sz: '0.3', px: '250', kind: 'twap', twapId: 77 },
          { at: 7, user: 1, coin: 'ETH', side: 'A', sz: '0.2', px: '3400', kind: 'adl' },
          { at: 8, user: 1, coin: '#118440', side: 'B', sz: '10', px: '0.4' },
          { at: 9, user: 1, coin: '#118440', px: '1.0', kind: 'settlement' },
        ],
      },
    });
    expect(sim.accounts).toEqual([A, B]);
    sim.step(10);
    const fa = sim.groundTruth.fills(A);
    const fb = sim.groundTruth.fills(B);
    // block 1: three partials of one order chaining 0 -> 0.01
    const b1 = fa.filter((f) => f.coin === 'BTC').slice(0, 3);
    expect(new Set(b1.map((f) => f.oid)).size).toBe(1);
    expect(b1[0]?.startPosition).toBe('0.0');
    expect(b1.map((f) => f.dir)).toEqual(['Open Long', 'Open Long', 'Open Long']);
    // block 2: self-trade pair inside a partial-fill chain
    const times = [...new Set(fa.map((f) => f.time))];
    const t2 = fa.filter((f) => f.time === times[1]);
    const pairTid = t2.find((f, i) => t2.findIndex((g) => g.tid === f.tid) !== i)?.tid;
    expect(pairTid).toBeDefined();
    const pair = t2.filter((f) => f.tid === pairTid);
    expect(pair.map((f) => f.side).sort()).toEqual(['A', 'B']);
    expect(pair[0]?.startPosition).toBe(pair[1]?.startPosition);
    // block 3: a flip through zero in one fill
    const flip = fa.find((f) => f.dir === 'Long > Short');
    expect(flip?.sz).toBe('0.025');
    // block 4: B's maker fill; A traded against B (same tid on both)
    const ethA = fa.find((f) => f.coin === 'ETH');
    const ethB = fb.filter((f) => f.coin === 'ETH');
    expect(ethB[0]?.crossed).toBe(false);
    expect(ethB.some((f) => f.tid === ethA?.tid && f.side === 'A')).toBe(true);
    // block 5: liquidation of A's BTC short
    const liq = fa.filter((f) => f.liquidation?.liquidatedUser === A);
    expect(liq.length).toBeGreaterThan(0);
    expect(liq.every((f) => f.dir === 'Liquidated Cross Short' && f.side === 'B')).toBe(true);
    expect(sim.groundTruth.positions(A)['BTC']).toBeUndefined();
    // block 6: TWAP slice, zero hash, recorded as slice too
    const tw = fb.find((f) => f.coin === 'xyz:TSLA');
    expect(tw?.hash).toBe(ZERO_HASH);
    expect(tw?.twapId).toBe(77);
    expect(sim.groundTruth.twapSlices(B)).toEqual([{ fill: { ...tw, twapId: null }, twapId: 77 }]);
    // block 7: ADL of B's ETH long
    expect(fb.find((f) => f.dir === 'Auto-Deleveraging')).toMatchObject({ side: 'A', fee: '0.0', sz: '0.2' });
    // block 9: settlement closes the outcome position
    expect(fb.find((f) => f.dir === 'Settlement')).toMatchObject({
      coin: '#118440',
      side: 'A',
      sz: '10.0',
      startPosition: '10.0',
      px: '1.0',
    });
    expect(sim.groundTruth.positions(B)['#118440']).toBeUndefined();
  });

  it('loads YAML scenario files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-scn-'));
    const file = join(dir, 's.yaml');
    await writeFile(
      file,
      `noise: true\nsteps:\n  - { at: 1, user: 0, coin: SOL, side: B, sz: "1.5", px: "150" }\n`,
    );
    sim = await startSimulator({ tickMs: 0, accounts: 1, scenario: file });
    sim.step(1);
    expect(sim.groundTruth.fills(sim.accounts[0] as string).map((f) => f.sz)).toEqual(['1.5']);
    expect(sim.groundTruth.trades().length).toBeGreaterThan(1); // noise on the tape
  });

  it('rejects bad scenarios with a message naming the problem', async () => {
    expect(() => parseScenario([{ at: 1, user: 0, coin: 'NOPE', side: 'B', sz: '1', px: '1' }])).toThrow(
      /unknown coin "NOPE"/,
    );
    expect(() => parseScenario([{ at: 1, user: 0, coin: 'BTC', px: '1' }])).toThrow(/needs side and sz/);
    expect(() => parseScenario([{ at: 1, user: 0, coin: 'BTC', side: 'B', sz: '1e3', px: '1' }])).toThrow(
      /plain decimal/,
    );
    await expect(startSimulator({ tickMs: 0, scenario: '/nonexistent/s.yaml' })).rejects.toThrow(
      /cannot be read/,
    );
  });
});
