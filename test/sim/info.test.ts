/**
 * POST /info: userFills newest first with its cap, userFillsByTime with inclusive bounds, page
 * size and the reachable-history horizon (so pagination boundaries can be exercised), the
 * per-IP weight budget answering 429, the market metadata requests, and WS `post`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type WireFill } from '../../src/sim/index.js';
import { ManualClock } from '../kit/index.js';
import { TestClient, postInfo } from './helpers.js';

describe('info endpoint', () => {
  let sim: Simulator;
  let user: string;
  let fills: readonly WireFill[];
  beforeAll(async () => {
    sim = await startSimulator({
      seed: 3,
      accounts: 1,
      tickMs: 0,
      eventsPerBlock: 4,
      limits: { userFillsMax: 50, fillsByTimePageSize: 30, fillsHorizon: 200, infoWeightPerWindow: 100_000 },
    });
    sim.step(300);
    user = sim.accounts[0] as string;
    fills = sim.groundTruth.fills(user);
  });
  afterAll(() => sim.close());

  const key = (f: WireFill): string => `${f.tid}|${f.side}`;

  it('has enough history to exceed every cap in these tests', () => {
    expect(fills.length).toBeGreaterThan(260);
  });

  it('userFills: newest first, at most userFillsMax', async () => {
    const r = await postInfo(sim.infoUrl, {
      type: 'userFills',
      user: user.toUpperCase().replace('0X', '0x'),
    });
    expect(r.status).toBe(200);
    expect((r.body as WireFill[]).map(key)).toEqual(fills.slice(-50).reverse().map(key));
  });

  it('userFillsByTime: inclusive bounds, oldest first, one page at most', async () => {
    const reachable = fills.slice(-200);
    const mid = reachable[100] as WireFill;
    const exact = await postInfo(sim.infoUrl, {
      type: 'userFillsByTime',
      user,
      startTime: mid.time,
      endTime: mid.time,
    });
    const sameMs = reachable.filter((f) => f.time === mid.time);
    expect((exact.body as WireFill[]).map(key)).toEqual(sameMs.map(key));
    const a = reachable[40] as WireFill;
    const b = reachable[60] as WireFill;
    const range = await postInfo(sim.infoUrl, {
      type: 'userFillsByTime',
      user,
      startTime: a.time,
      endTime: b.time,
    });
    const want = reachable.filter((f) => f.time >= a.time && f.time <= b.time);
    expect((range.body as WireFill[]).map(key)).toEqual(want.slice(0, 30).map(key));
    const rev = await postInfo(sim.infoUrl, {
      type: 'userFillsByTime',
      user,
      startTime: a.time,
      endTime: b.time,
      reversed: true,
    });
    expect((rev.body as WireFill[]).map(key)).toEqual([...want].reverse().slice(0, 30).map(key));
  });

  it('userFillsByTime: paginating from 0 reaches exactly the horizon, with the boundary ms repeated', async () => {
    const got = new Map<string, WireFill>();
    let start = 0;
    let pages = 0;
    let repeats = 0;
    for (;;) {
      // An explicit end: sim.step() stamps each block at least 1 ms after the previous one, so
      // 300 steps in a fast burst run ahead of the clock and the default end (now) would cut them.
      const r = await postInfo(sim.infoUrl, {
        type: 'userFillsByTime',
        user,
        startTime: start,
        endTime: Number.MAX_SAFE_INTEGER,
      });
      const page = r.body as WireFill[];
      pages++;
      for (const f of page) {
        if (got.has(key(f))) repeats++;
        got.set(key(f), f);
      }
      const last = page[page.length - 1];
      if (page.length < 30 || !last) break;
      start = last.time;
      if (pages > 50) throw new Error('pagination does not end');
    }
    expect(pages).toBeGreaterThan(6);
    expect(repeats).toBeGreaterThan(0);
    expect([...got.keys()].sort()).toEqual(fills.slice(-200).map(key).sort());
    expect(fills.length).toBeGreaterThan(200); // older fills exist but are unreachable
  });

  it('clearinghouseState per dex, meta, perpDexs, spotMeta; 422 on a bad body', async () => {
    const ch = await postInfo(sim.infoUrl, { type: 'clearinghouseState', user, dex: 'xyz' });
    const coins = (ch.body as { assetPositions: { position: { coin: string } }[] }).assetPositions.map(
      (p) => p.position.coin,
    );
    for (const c of coins) expect(c.startsWith('xyz:')).toBe(true);
    const meta = await postInfo(sim.infoUrl, { type: 'meta', dex: 'xyz' });
    expect((meta.body as { universe: { name: string }[] }).universe.map((u) => u.name)).toEqual([
      'xyz:TSLA',
      'xyz:NVDA',
    ]);
    const dexes = (await postInfo(sim.infoUrl, { type: 'perpDexs' })).body as unknown[];
    expect(dexes[0]).toBeNull();
    expect((dexes[1] as { name: string }).name).toBe('xyz');
    const spot = (await postInfo(sim.infoUrl, { type: 'spotMeta' })).body as {
      universe: { name: string; index: number }[];
    };
    expect(spot.universe).toContainEqual(expect.objectContaining({ name: '@107', index: 107 }));
    expect((await postInfo(sim.infoUrl, { type: 'userFills' })).status).toBe(422);
    expect((await postInfo(sim.infoUrl, { nope: 1 })).status).toBe(422);
  });

  it('answers WS post requests with the info payload', async () => {
    const c = await TestClient.connect(sim.wsUrl);
    c.send({
      method: 'post',
      id: 7,
      request: { type: 'info', payload: { type: 'clearinghouseState', user } },
    });
    const f = await c.waitChannel('post');
    const data = f['data'] as {
      id: number;
      response: { type: string; payload: { type: string; data: unknown } };
    };
    expect(data.id).toBe(7);
    expect(data.response.type).toBe('info');
    expect(data.response.payload.type).toBe('clearinghouseState');
    c.close();
  });
});

describe('info weight budget', () => {
  it('answers 429 once the per-IP weight per window is spent, per IP, and recovers after the window', async () => {
    const clock = new ManualClock();
    const sim = await startSimulator(
      { seed: 1, accounts: 1, tickMs: 0, limits: { infoWeightPerWindow: 50, windowMs: 300 } },
      { clock },
    );
    try {
      const meta = { type: 'meta' }; // weight 20
      expect((await postInfo(sim.infoUrl, meta, '127.0.0.1')).status).toBe(200);
      expect((await postInfo(sim.infoUrl, meta, '127.0.0.1')).status).toBe(200);
      expect((await postInfo(sim.infoUrl, meta, '127.0.0.1')).status).toBe(429);
      // weight 2 still fits (40 + 2 <= 50)
      expect(
        (await postInfo(sim.infoUrl, { type: 'clearinghouseState', user: sim.accounts[0] }, '127.0.0.1'))
          .status,
      ).toBe(200);
      expect((await postInfo(sim.infoUrl, meta, '127.0.0.2')).status).toBe(200);
      clock.advance(350);
      expect((await postInfo(sim.infoUrl, meta, '127.0.0.1')).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('charges one weight per 20 fills returned', async () => {
    const sim = await startSimulator({
      seed: 2,
      accounts: 1,
      tickMs: 0,
      eventsPerBlock: 4,
      limits: { infoWeightPerWindow: 60 },
    });
    try {
      sim.step(200);
      const n = sim.groundTruth.fills(sim.accounts[0] as string).length;
      expect(n).toBeGreaterThan(400);
      // userFills returns min(n, 2000) fills: 20 + ceil(n/20) > 40, so a second call does not fit
      expect((await postInfo(sim.infoUrl, { type: 'userFills', user: sim.accounts[0] })).status).toBe(200);
      expect((await postInfo(sim.infoUrl, { type: 'userFills', user: sim.accounts[0] })).status).toBe(429);
    } finally {
      await sim.close();
    }
  });
});
