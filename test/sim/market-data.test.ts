/**
 * The simulator's market-data channels agree with its own trades: `candle` pushes and
 * `candleSnapshot` are the tape bucketed per interval (checked against an independent
 * aggregation here), `bbo` brackets each coin's last trade price, `activeAssetCtx` carries a
 * plausible mark/oracle/funding/open interest, everything is deterministic with the seed, and
 * candleSnapshot is charged per 60 candles against the per-IP REST weight budget.
 * Real loopback sockets; block times are spread over minutes with a jumping clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Decimal, dec } from '../../src/core/index.js';
import {
  bucketOf,
  startSimulator,
  type Simulator,
  type SimulatorOptions,
  type TapeTrade,
  type WireCandle,
} from '../../src/sim/index.js';
import { JumpClock, TestClient, candleByValue, postInfo } from './helpers.js';

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const sims: Simulator[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function start(o: SimulatorOptions = {}): Promise<{ sim: Simulator; clock: JumpClock }> {
  const clock = new JumpClock(T0);
  const sim = await startSimulator({ seed: 11, accounts: 2, tickMs: 0, noisePerBlock: 8, ...o }, { clock });
  sims.push(sim);
  return { sim, clock };
}

async function connect(sim: Simulator): Promise<TestClient> {
  const c = await TestClient.connect(sim.wsUrl);
  clients.push(c);
  return c;
}

/** `n` blocks, `gapMs` of simulated time apart. */
function run(sim: Simulator, clock: JumpClock, n: number, gapMs: number): void {
  for (let i = 0; i < n; i++) {
    clock.advance(gapMs);
    sim.step(1);
  }
}

/** The test's own aggregation of a tape into candles (what the simulator must agree with). */
function aggregate(trades: readonly TapeTrade[], coin: string, interval: '1m' | '5m'): WireCandle[] {
  const out: WireCandle[] = [];
  for (const t of trades) {
    const { t: open, T } = bucketOf(interval, t.time);
    const last = out[out.length - 1];
    const px = dec(t.px);
    if (last?.t === open) {
      last.h = Decimal.max(dec(last.h), px).toString();
      last.l = Decimal.min(dec(last.l), px).toString();
      last.c = t.px;
      last.v = dec(last.v).plus(dec(t.sz)).toString();
      last.n += 1;
    } else out.push({ t: open, T, s: coin, i: interval, o: t.px, c: t.px, h: t.px, l: t.px, v: t.sz, n: 1 });
  }
  return out;
}

const byValue = candleByValue;

describe('candle and candleSnapshot', () => {
  it('acks the normalized candle subscription and pushes one candle object per update, from the tape', async () => {
    const { sim, clock } = await start();
    const c = await connect(sim);
    c.subscribe({ type: 'candle', coin: 'BTC', interval: '1m' });
    const ack = await c.waitChannel('subscriptionResponse');
    expect(ack['data']).toEqual({
      method: 'subscribe',
      subscription: { type: 'candle', coin: 'BTC', interval: '1m' },
    });
    run(sim, clock, 40, 10_000); // ~6.7 simulated minutes
    const trades = sim.groundTruth.trades('BTC');
    expect(trades.length).toBeGreaterThan(20);
    const blocksWithBtc = new Set(trades.map((t) => t.time)).size;
    await c.waitFor(() => c.channel('candle').length === blocksWithBtc);
    const pushed = c.channel('candle').map((f) => f['data'] as WireCandle);
    for (const p of pushed) {
      expect(Object.keys(p)).toEqual(['t', 'T', 's', 'i', 'o', 'c', 'h', 'l', 'v', 'n']);
      expect(p.T - p.t).toBe(59_999);
      expect(p.s).toBe('BTC');
      expect(p.i).toBe('1m');
    }
    // The last push of each bucket is that bucket's final candle, and equals the tape aggregated.
    const finals = new Map<number, WireCandle>();
    for (const p of pushed) finals.set(p.t, p);
    const expected = aggregate(trades, 'BTC', '1m');
    expect([...finals.values()].map(byValue)).toEqual(expected.map(byValue));
    expect(sim.groundTruth.candles('BTC', '1m').map(byValue)).toEqual(expected.map(byValue));
  });

  it('candleSnapshot returns the candles overlapping [startTime, endTime], oldest first, capped to the most recent candleHistory', async () => {
    const { sim, clock } = await start({ limits: { candleHistory: 4 } });
    run(sim, clock, 60, 15_000); // 15 simulated minutes
    const all = sim.groundTruth.candles('ETH', '1m');
    expect(all.length).toBeGreaterThan(8);
    const a = all[all.length - 4] as WireCandle;
    const b = all[all.length - 2] as WireCandle;
    const r = await postInfo(sim.infoUrl, {
      type: 'candleSnapshot',
      req: { coin: 'ETH', interval: '1m', startTime: a.t + 30_000, endTime: b.t },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual(all.slice(-4, -1));
    // Older than the most recent 4 is out of reach, as on the real server (5000 there).
    const old = await postInfo(sim.infoUrl, {
      type: 'candleSnapshot',
      req: { coin: 'ETH', interval: '1m', startTime: 0 },
    });
    expect(old.body).toEqual(all.slice(-4));
    const five = await postInfo(sim.infoUrl, {
      type: 'candleSnapshot',
      req: { coin: 'ETH', interval: '5m', startTime: 0 },
    });
    expect((five.body as WireCandle[]).map(byValue)).toEqual(
      aggregate(sim.groundTruth.trades('ETH'), 'ETH', '5m').slice(-4).map(byValue),
    );
    const bad = await postInfo(sim.infoUrl, {
      type: 'candleSnapshot',
      req: { coin: 'ETH', interval: '7m', startTime: 0 },
    });
    expect(bad.status).toBe(422);
  });

  it('charges candleSnapshot 20 + 1 per 60 candles against the per-IP weight budget', async () => {
    const { sim, clock } = await start({ limits: { infoWeightPerWindow: 41 } });
    run(sim, clock, 130, 60_000); // >= 61 one-minute BTC candles
    expect(sim.groundTruth.candles('BTC', '1m').length).toBeGreaterThan(60);
    const req = { type: 'candleSnapshot', req: { coin: 'BTC', interval: '1m', startTime: 0 } };
    expect((await postInfo(sim.infoUrl, req)).status).toBe(200); // 20 + 2 = 22 of 41
    expect((await postInfo(sim.infoUrl, req)).status).toBe(429); // 22 + 20 > 41
  });

  it('rejects a candle subscription with an interval outside the enum as a parse error', async () => {
    const { sim } = await start();
    const c = await connect(sim);
    const bad = { method: 'subscribe', subscription: { type: 'candle', coin: 'BTC', interval: '2m' } };
    c.send(bad);
    const f = await c.waitChannel('error');
    expect(f['data']).toBe(`Error parsing JSON into valid websocket request: ${JSON.stringify(bad)}`);
  });
});

describe('bbo and activeAssetCtx', () => {
  it('bbo: the current quote at once (stamped now), then one per block the coin traded, bracketing the last trade price', async () => {
    const { sim, clock } = await start();
    const c = await connect(sim);
    const before = clock.now();
    c.subscribe({ type: 'bbo', coin: 'SOL' });
    const first = await c.waitChannel('bbo');
    // The opening quote (no trade yet) goes out stamped with the current time, never 0. The
    // clock runs with the wall clock, so "now" is the interval from subscribe to receipt.
    const stamped = (first['data'] as { time: number }).time;
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(clock.now());
    expect(first['data']).toEqual({ ...sim.groundTruth.bbo('SOL'), time: stamped });
    run(sim, clock, 30, 1000);
    const trades = sim.groundTruth.trades('SOL');
    const times = [...new Set(trades.map((t) => t.time))];
    expect(times.length).toBeGreaterThan(3);
    await c.waitFor(() => c.channel('bbo').length === 1 + times.length);
    const pushes = c.channel('bbo').slice(1);
    pushes.forEach((f, i) => {
      const d = f['data'] as {
        coin: string;
        time: number;
        bbo: [{ px: string; sz: string; n: number }, { px: string }];
      };
      expect(d.coin).toBe('SOL');
      expect(d.time).toBe(times[i]);
      const last = trades.filter((t) => t.time === d.time).at(-1) as TapeTrade;
      const [bid, ask] = d.bbo;
      expect(dec(bid.px).lessThan(dec(last.px))).toBe(true);
      expect(dec(ask.px).greaterThan(dec(last.px))).toBe(true);
      expect(dec(bid.sz).greaterThan(0)).toBe(true);
      expect(bid.n).toBeGreaterThan(0);
    });
  });

  it('activeAssetCtx: mark near oracle, bounded funding, open interest from positions, 24 h volume from the tape', async () => {
    const { sim, clock } = await start();
    run(sim, clock, 50, 1000);
    const c = await connect(sim);
    c.subscribe({ type: 'activeAssetCtx', coin: 'BTC' });
    c.subscribe({ type: 'activeAssetCtx', coin: '@107' });
    const f = await c.waitChannel('activeAssetCtx');
    const spot = await c.waitChannel('activeSpotAssetCtx');
    const { coin, ctx } = f['data'] as { coin: string; ctx: Record<string, string | string[]> };
    expect(coin).toBe('BTC');
    expect(Object.keys(ctx)).toEqual([
      'funding',
      'openInterest',
      'prevDayPx',
      'dayNtlVlm',
      'premium',
      'oraclePx',
      'markPx',
      'midPx',
      'impactPxs',
      'dayBaseVlm',
    ]);
    const mark = dec(ctx['markPx'] as string);
    const oracle = dec(ctx['oraclePx'] as string);
    expect(mark.minus(oracle).abs().dividedBy(oracle).lessThanOrEqualTo('0.0006')).toBe(true);
    expect(
      dec(ctx['funding'] as string)
        .abs()
        .lessThanOrEqualTo('0.04'),
    ).toBe(true);
    expect(dec(ctx['openInterest'] as string).greaterThan(0)).toBe(true);
    const tape = sim.groundTruth.trades('BTC');
    expect(dec(ctx['dayBaseVlm'] as string).toString()).toBe(
      tape.reduce((s, t) => s.plus(dec(t.sz)), new Decimal(0)).toString(),
    );
    expect(f['data']).toEqual(sim.groundTruth.assetCtx('BTC')?.data);
    expect((spot['data'] as { coin: string }).coin).toBe('@107');
    // Every block re-pushes the context (the mark walks every block).
    const m = c.mark();
    run(sim, clock, 3, 1000);
    await c.waitFor(() => c.channel('activeAssetCtx', m).length === 3, m);
  });

  it('is deterministic with the seed: two simulators stepped alike push identical market data', async () => {
    const frames: unknown[][] = [];
    for (let k = 0; k < 2; k++) {
      const { sim, clock } = await start({ seed: 'same' });
      const c = await connect(sim);
      for (const sub of [
        { type: 'bbo', coin: 'ETH' },
        { type: 'activeAssetCtx', coin: 'ETH' },
        { type: 'candle', coin: 'ETH', interval: '1m' },
      ])
        c.subscribe(sub);
      await c.waitFor(() => c.channel('subscriptionResponse').length === 3);
      run(sim, clock, 20, 7000);
      await c.waitFor(() => c.channel('activeAssetCtx').length === 21);
      const data = c.frames
        .map((x) => x.json as { channel: string; data: { time?: number } })
        .filter((j) => j.channel !== 'subscriptionResponse')
        .map((j) => JSON.stringify(j, (key, v: unknown) => (['time', 't', 'T'].includes(key) ? 0 : v)));
      frames.push(data);
    }
    expect(frames[0]?.length).toBeGreaterThan(40);
    expect(frames[1]).toEqual(frames[0]);
  });
});
