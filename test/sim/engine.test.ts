/**
 * Consistency invariants of the market engine, checked over a few hundred random blocks:
 * startPosition chains (with the self-trade pair rule), dir agrees with the position change,
 * positions equal the signed sum of fills and the served clearinghouseState, the tape matches
 * fills by tid, and the market contains every fill variety the real exchange produces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decimal } from '../../src/core/index.js';
import { ZERO, dec, marketClass, type Clock } from '../../src/core/index.js';
import { startSimulator, ZERO_HASH, type Simulator, type WireFill } from '../../src/sim/index.js';
import { postInfo } from './helpers.js';

const fixedClock = (t: number): Clock => ({
  now: () => t,
  setTimeout: () => ({ cancel: () => undefined }),
  setInterval: () => ({ cancel: () => undefined }),
  sleep: () => Promise.resolve(),
});

const signed = (f: WireFill): Decimal => (f.side === 'B' ? dec(f.sz) : dec(f.sz).negated());

function perpDir(start: Decimal, end: Decimal): string {
  if (start.isZero()) return end.isPositive() ? 'Open Long' : 'Open Short';
  if (!end.isZero() && end.isPositive() !== start.isPositive())
    return start.isPositive() ? 'Long > Short' : 'Short > Long';
  if (end.abs().greaterThan(start.abs())) return start.isPositive() ? 'Open Long' : 'Open Short';
  return start.isPositive() ? 'Close Long' : 'Close Short';
}

describe('market engine invariants', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator(
      { seed: 42, accounts: 4, tickMs: 0 },
      { clock: fixedClock(1_790_000_000_000) },
    );
    sim.step(400);
  });
  afterAll(() => sim.close());

  const all = (): { user: string; fills: readonly WireFill[] }[] =>
    sim.accounts.map((user) => ({ user, fills: sim.groundTruth.fills(user) }));

  it('chains startPosition per account and coin, treating a self-trade pair as one net-zero step', () => {
    let pairs = 0;
    for (const { fills } of all()) {
      const pos = new Map<string, Decimal>();
      for (let i = 0; i < fills.length; i++) {
        const f = fills[i] as WireFill;
        const cur = pos.get(f.coin) ?? ZERO;
        expect(
          dec(f.startPosition).equals(cur),
          `fill ${i} ${f.coin} start ${f.startPosition} vs ${cur.toFixed()}`,
        ).toBe(true);
        const next = fills[i + 1];
        if (next && next.tid === f.tid) {
          // self-trade: same tid, same sz, same startPosition, one B one A, different oids
          pairs++;
          expect(next.sz).toBe(f.sz);
          expect(next.startPosition).toBe(f.startPosition);
          expect(new Set([f.side, next.side])).toEqual(new Set(['A', 'B']));
          expect(next.oid).not.toBe(f.oid);
          i++;
          continue;
        }
        pos.set(f.coin, cur.plus(signed(f)));
      }
    }
    expect(pairs).toBeGreaterThan(0);
  });

  it('labels dir from the position change (perp), Buy/Sell (spot/outcome), Liquidated for the liquidated', () => {
    for (const { user, fills } of all()) {
      for (const f of fills) {
        const start = dec(f.startPosition);
        const end = start.plus(signed(f));
        const cls = marketClass(f.coin);
        if (f.liquidation?.liquidatedUser === user)
          expect(f.dir).toMatch(/^Liquidated (Cross|Isolated) (Long|Short)$/);
        else if (cls === 'spot' || cls === 'outcome') expect(f.dir).toBe(f.side === 'B' ? 'Buy' : 'Sell');
        else expect(f.dir).toBe(perpDir(start, end));
      }
    }
  });

  it('positions equal the signed sum of fills, and clearinghouseState agrees per dex', async () => {
    for (const { user, fills } of all()) {
      const sum = new Map<string, Decimal>();
      const seen = new Set<number>();
      for (const f of fills) {
        // a self-trade pair nets to zero; each side counted once
        sum.set(f.coin, (sum.get(f.coin) ?? ZERO).plus(signed(f)));
        seen.add(f.tid);
      }
      const truth = sim.groundTruth.positions(user);
      const nonZero = [...sum].filter(([, v]) => !v.isZero());
      expect(Object.keys(truth).sort()).toEqual(nonZero.map(([c]) => c).sort());
      for (const [coin, v] of nonZero) expect(dec(truth[coin] as string).equals(v)).toBe(true);
      for (const dex of ['', 'xyz']) {
        const r = await postInfo(sim.infoUrl, { type: 'clearinghouseState', user, dex });
        const st = r.body as { assetPositions: { position: { coin: string; szi: string } }[] };
        const got = Object.fromEntries(st.assetPositions.map((p) => [p.position.coin, p.position.szi]));
        const want = nonZero.filter(
          ([c]) =>
            (marketClass(c) === 'perp' && dex === '') ||
            (marketClass(c) === 'hip3' && c.startsWith(`${dex}:`)),
        );
        expect(Object.keys(got).sort()).toEqual(want.map(([c]) => c).sort());
        for (const [coin, v] of want) expect(dec(got[coin] as string).equals(v)).toBe(true);
      }
    }
  });

  it('matches every fill to a tape entry by tid (users = [buyer, seller], side = taker side)', () => {
    const tape = new Map(sim.groundTruth.trades().map((t) => [`${t.coin}|${t.tid}`, t]));
    for (const { user, fills } of all()) {
      for (const f of fills) {
        const t = tape.get(`${f.coin}|${f.tid}`);
        expect(t, `tape entry for ${f.coin} tid ${f.tid}`).toBeDefined();
        if (!t) continue;
        expect([t.px, t.sz, t.time]).toEqual([f.px, f.sz, f.time]);
        expect(t.users[f.side === 'B' ? 0 : 1]).toBe(user);
        if (f.crossed && t.users[0] !== t.users[1]) expect(t.side).toBe(f.side);
      }
    }
    // most of the tape is background noise
    const tracked = new Set<string>(sim.accounts);
    const untracked = sim.groundTruth
      .trades()
      .filter((t) => !tracked.has(t.users[0]) && !tracked.has(t.users[1]));
    expect(untracked.length).toBeGreaterThan(sim.groundTruth.trades().length / 3);
  });

  it('produces every fill variety: partials, multi-order blocks, flips, liquidations both ways, TWAP, HIP-3, spot, outcome', () => {
    const fills = all().flatMap(({ user, fills: fs }) => fs.map((f) => ({ user, f })));
    const byOid = new Map<string, number>();
    for (const { user, f } of fills) byOid.set(`${user}|${f.oid}`, (byOid.get(`${user}|${f.oid}`) ?? 0) + 1);
    expect([...byOid.values()].some((n) => n >= 2)).toBe(true); // partial fills of one order
    const takerOrdersPerBlock = new Map<string, Set<number>>();
    for (const { user, f } of fills.filter((x) => x.f.crossed)) {
      const k = `${user}|${f.time}`;
      (takerOrdersPerBlock.get(k) ?? takerOrdersPerBlock.set(k, new Set()).get(k))?.add(f.oid);
    }
    expect([...takerOrdersPerBlock.values()].some((s) => s.size >= 2)).toBe(true);
    expect(fills.some(({ f }) => f.dir === 'Long > Short' || f.dir === 'Short > Long')).toBe(true);
    expect(fills.some(({ user, f }) => f.liquidation?.liquidatedUser === user)).toBe(true);
    expect(
      fills.some(
        ({ user, f }) =>
          f.liquidation !== undefined &&
          f.liquidation.liquidatedUser !== user &&
          !f.dir.startsWith('Liquidated'),
      ),
    ).toBe(true);
    const twap = fills.filter(({ f }) => f.twapId !== null);
    expect(twap.length).toBeGreaterThan(0);
    for (const { f } of twap) expect(f.hash).toBe(ZERO_HASH);
    expect(fills.some(({ f }) => f.hash === ZERO_HASH && f.twapId === null)).toBe(true); // zero-hash maker fills
    for (const cls of ['perp', 'hip3', 'spot', 'outcome'])
      expect(fills.some(({ f }) => marketClass(f.coin) === cls)).toBe(true);
    expect(fills.some(({ f }) => f.coin === '@107') && fills.some(({ f }) => f.coin === 'PURR/USDC')).toBe(
      true,
    );
    // TWAP slices are also recorded on their own feed, inner twapId null
    const slices = sim.accounts.flatMap((a) => sim.groundTruth.twapSlices(a));
    expect(slices.length).toBe(twap.length);
    for (const s of slices) {
      expect(s.fill.twapId).toBeNull();
      expect(s.twapId).toBeGreaterThan(0);
    }
  });

  it('gives tids that are unique per trade and not monotonic, and block times shared within a block', () => {
    const tids = sim.groundTruth.trades().map((t) => t.tid);
    expect(new Set(tids).size).toBe(tids.length);
    let inversions = 0;
    for (let i = 1; i < tids.length; i++) if ((tids[i] as number) < (tids[i - 1] as number)) inversions++;
    expect(inversions).toBeGreaterThan(tids.length / 10);
    for (const t of tids) expect(Number.isSafeInteger(t) && t < 2 ** 50).toBe(true);
    const times = sim.groundTruth.trades().map((t) => t.time);
    expect(new Set(times).size).toBe(400);
  });
});

describe('determinism', () => {
  const run = async (seed: number): Promise<string> => {
    const sim = await startSimulator(
      { seed, accounts: 3, tickMs: 0 },
      { clock: fixedClock(1_800_000_000_000) },
    );
    sim.step(120);
    const out = JSON.stringify({
      a: sim.accounts,
      f: sim.accounts.map((a) => sim.groundTruth.fills(a)),
      t: sim.groundTruth.trades(),
    });
    await sim.close();
    return out;
  };

  it('replays the same market from the same seed and a different one from another seed', async () => {
    const a = await run(9);
    const b = await run(9);
    const c = await run(10);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});
