/**
 * The Hyperliquid market-data connector against the simulator over loopback sockets: trades,
 * closed candles, bbo and asset contexts normalized to TRADE_TICK_V1 / CANDLE_V1 / BOOK_TOP_V1 /
 * ASSET_CTX_V1 and equal to the simulator's ground truth; a socket dropped (and kept down)
 * across several candle buckets loses no candle, the missed ones arriving over candleSnapshot;
 * poll() returns closed candles once each; trades missed while the socket was down come back
 * over recentTrades, and a gap longer than its window is reported as incomplete. Blocks are minutes apart on a jumping clock; every
 * wait is on a condition re-checked when a record or event arrives (no sleeps).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/core/index.js';
import { PX_SCALE, SZ_SCALE, toFixed } from '../../../../src/pipeline/envelope/index.js';
import type { CatchUpReport, NormalizedDraft, RawRecord } from '../../../../src/pipeline/connectors/index.js';
import {
  HlMarketConnector,
  HlMarketOptions,
  type CandleVia,
} from '../../../../src/pipeline/connectors/hyperliquid/index.js';
import { startSimulator, type Simulator, type WireCandle } from '../../../../src/sim/index.js';
import { JumpClock } from '../../../sim/helpers.js';

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);

/** Resolves when `pred` holds, re-checked on every `poke()`; fails after `ms` naming `what`. */
class Conditions {
  private readonly waiting = new Set<() => void>();
  poke(): void {
    for (const w of [...this.waiting]) w();
  }
  until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        this.waiting.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      this.waiting.add(check);
      check();
    });
  }
}

interface Harness {
  sim: Simulator;
  clock: JumpClock;
  conn: HlMarketConnector;
  records: RawRecord[];
  drafts: NormalizedDraft[];
  finals: { coin: string; openTime: number; via: CandleVia }[];
  catchUps: { start: number; closed: number }[];
  tradeCatchUps: { coin: string; recovered: number; complete: boolean }[];
  /** What the connector reported to its sink (the pipeline turns these into metrics). */
  sinkCatchUps: CatchUpReport[];
  subscribes: number;
  cond: Conditions;
  stop(): Promise<void>;
}

let current: Harness | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

async function start(coins: string[], recentTrades?: number): Promise<Harness> {
  // Start a third into a minute, so `now` after whole-minute runs is never near a bucket edge.
  const clock = new JumpClock(T0 + 20_000);
  const sim = await startSimulator(
    {
      seed: 21,
      accounts: 1,
      tickMs: 0,
      noisePerBlock: 10,
      ...(recentTrades !== undefined ? { limits: { recentTrades } } : {}),
    },
    { clock },
  );
  const conn = new HlMarketConnector({
    id: 'hyperliquid-market',
    version: '1.0.0',
    options: HlMarketOptions.parse({
      wsUrl: sim.wsUrl,
      infoUrl: sim.infoUrl,
      coins,
      candles: { intervals: ['1m'], closeGraceMs: 1000, retryMs: 50 },
      stallTimeoutMs: 3_600_000,
      reconnect: { initialDelayMs: 10, maxDelayMs: 100, jitter: 0 },
    }),
    clock,
    logger: silentLogger,
  });
  const cond = new Conditions();
  const h: Harness = {
    sim,
    clock,
    conn,
    records: [],
    drafts: [],
    finals: [],
    catchUps: [],
    tradeCatchUps: [],
    sinkCatchUps: [],
    subscribes: 0,
    cond,
    stop: async () => {
      ac.abort();
      await running;
      await sim.close();
    },
  };
  conn.observer = {
    onFinal: (f) => {
      h.finals.push(f);
      cond.poke();
    },
    onCatchUp: (c) => {
      h.catchUps.push(c);
      cond.poke();
    },
    onTradesCatchUp: (c) => {
      h.tradeCatchUps.push(c);
      cond.poke();
    },
  };
  sim.on((e) => {
    if (e.type === 'subscribe') h.subscribes++;
    cond.poke();
  });
  const ac = new AbortController();
  const running = conn.subscribe(
    {
      push: (raw) => {
        h.records.push(raw);
        const r = conn.normalize(raw);
        if (!r.ok) throw new Error(`normalize rejected a simulator record: ${r.reason} ${r.detail}`);
        h.drafts.push(...r.drafts);
        cond.poke();
      },
      error: (err) => {
        throw err instanceof Error ? err : new Error(String(err));
      },
      catchUp: (r) => h.sinkCatchUps.push(r),
    },
    ac.signal,
  );
  current = h;
  // Subscribed (4 feeds per perp coin) and the first catch-up of every series done.
  await cond.until(
    () => h.subscribes === 4 * coins.length && h.catchUps.length >= coins.length,
    'subscriptions and first catch-ups',
  );
  return h;
}

function blocks(h: Harness, n: number, gapMs: number): void {
  for (let i = 0; i < n; i++) {
    h.clock.advance(gapMs);
    h.sim.step(1);
  }
}

const of = <T extends NormalizedDraft['payloadType']>(
  h: Harness,
  type: T,
  coin: string,
): Extract<NormalizedDraft, { payloadType: T }>[] =>
  h.drafts.filter(
    (d): d is Extract<NormalizedDraft, { payloadType: T }> =>
      d.payloadType === type && d.nativeMarket === coin,
  );

/** What CANDLE_V1 must carry for a closed simulator candle. */
const expectedCandle = (c: WireCandle): Record<string, unknown> => ({
  intervalMs: 60_000,
  openTimeMs: BigInt(c.t),
  closeTimeMs: BigInt(c.T),
  open: toFixed(c.o, PX_SCALE),
  high: toFixed(c.h, PX_SCALE),
  low: toFixed(c.l, PX_SCALE),
  close: toFixed(c.c, PX_SCALE),
  volume: toFixed(c.v, SZ_SCALE),
  trades: c.n,
  final: true,
});

describe('Hyperliquid market-data connector against the simulator', () => {
  it('normalizes trades, closed candles, bbo and asset contexts exactly as the simulator produced them', async () => {
    const h = await start(['BTC', 'ETH']);
    blocks(h, 36, 10_000); // 6 simulated minutes
    const truth = h.sim.groundTruth;
    const closed = truth.candles('BTC', '1m').slice(0, -1); // the newest is still forming
    expect(closed.length).toBeGreaterThanOrEqual(5);
    const tape = truth.trades('BTC');
    await h.cond.until(
      () =>
        of(h, 'TRADE_TICK_V1', 'BTC').length === tape.length &&
        of(h, 'CANDLE_V1', 'BTC').length === closed.length &&
        of(h, 'ASSET_CTX_V1', 'BTC').length === 37,
      'every BTC trade, closed candle and asset context',
    );

    const trades = of(h, 'TRADE_TICK_V1', 'BTC');
    expect(trades.map((d) => d.payload)).toEqual(
      tape.map((t) => ({
        px: toFixed(t.px, PX_SCALE),
        sz: toFixed(t.sz, SZ_SCALE),
        side: t.side === 'B' ? 'BUY' : 'SELL',
        tradeId: BigInt(t.tid),
      })),
    );
    expect(trades.map((d) => d.eventTimeMs)).toEqual(tape.map((t) => t.time));

    const candles = of(h, 'CANDLE_V1', 'BTC');
    expect(candles.map((d) => d.payload)).toEqual(closed.map(expectedCandle));
    expect(candles.map((d) => d.eventTimeMs)).toEqual(closed.map((c) => c.T));
    // (Which path closed each candle depends on timing: the blocks run ahead of the socket, so
    // a close can be confirmed over REST before the rollover push arrives. Either way: same bytes.)

    const bbo = truth.bbo('BTC');
    const books = of(h, 'BOOK_TOP_V1', 'BTC');
    expect(books.length).toBe(1 + new Set(tape.map((t) => t.time)).size);
    expect(books.at(-1)?.payload).toEqual({
      bidPx: toFixed(bbo?.bbo[0]?.px ?? '0', PX_SCALE),
      bidSz: toFixed(bbo?.bbo[0]?.sz ?? '0', SZ_SCALE),
      askPx: toFixed(bbo?.bbo[1]?.px ?? '0', PX_SCALE),
      askSz: toFixed(bbo?.bbo[1]?.sz ?? '0', SZ_SCALE),
    });
    expect(books.at(-1)?.flags).toBeUndefined();

    const ctx = truth.assetCtx('BTC');
    expect(ctx?.channel).toBe('activeAssetCtx');
    const last = of(h, 'ASSET_CTX_V1', 'BTC').at(-1)?.payload as Record<string, bigint>;
    const wire = (ctx?.data.ctx ?? {}) as Record<string, string>;
    expect(last['markPx']).toBe(toFixed(wire['markPx'] as string, PX_SCALE));
    expect(last['oraclePx']).toBe(toFixed(wire['oraclePx'] as string, PX_SCALE));
    expect(last['openInterest']).toBe(toFixed(wire['openInterest'] as string, SZ_SCALE));
    expect(last['funding']).toBe(toFixed(wire['funding'] as string, 12));

    // normalize is a pure function of the raw record: the same bytes give the same drafts.
    for (const raw of h.records.slice(0, 50)) expect(h.conn.normalize(raw)).toEqual(h.conn.normalize(raw));
    expect(h.conn.health().state).toBe('healthy');
  });

  it('a socket dropped across several candle buckets loses no candle: the gap comes back over candleSnapshot', async () => {
    const h = await start(['BTC']);
    blocks(h, 12, 10_000); // 2 minutes live
    await h.cond.until(() => h.finals.length >= 1, 'a first closed candle over the socket');
    const catchUpsBefore = h.catchUps.length;

    // Drop the socket and keep it down for ~4 minutes of trading.
    h.sim.faults.refuseConnections();
    expect(h.sim.faults.drop({ all: true })).toBe(1);
    await h.cond.until(() => h.conn.health().state === 'degraded', 'the connector to notice the drop');
    blocks(h, 24, 10_000);
    const missedBuckets = new Set(
      h.sim.groundTruth
        .trades('BTC')
        .filter((t) => t.time > h.clock.now() - 240_000)
        .map((t) => t.time - (t.time % 60_000)),
    );
    h.sim.faults.acceptConnections();
    await h.cond.until(
      () => h.catchUps.slice(catchUpsBefore).some((c) => c.closed > 0),
      'the catch-up after the reconnect',
    );
    blocks(h, 12, 10_000); // live again, 2 more minutes

    const closed = h.sim.groundTruth.candles('BTC', '1m').slice(0, -1);
    await h.cond.until(
      () => of(h, 'CANDLE_V1', 'BTC').length === closed.length,
      `${closed.length} closed candles (have ${of(h, 'CANDLE_V1', 'BTC').length})`,
    );
    // Every closed candle exactly once, in order, equal to the simulator's.
    expect(of(h, 'CANDLE_V1', 'BTC').map((d) => d.payload)).toEqual(closed.map(expectedCandle));
    // The buckets that traded entirely while the socket was down came over REST.
    const viaRest = new Set(h.finals.filter((f) => f.via === 'candleSnapshot').map((f) => f.openTime));
    expect(missedBuckets.size).toBeGreaterThanOrEqual(3);
    for (const b of [...missedBuckets].slice(1, -1)) expect(viaRest.has(b)).toBe(true);
    expect(h.finals.some((f) => f.via === 'ws')).toBe(true);
    // Each candle catch-up was reported to the sink with what it recovered (the metrics' source).
    const candleReports = h.sinkCatchUps.filter((r) => r.channel === 'candle');
    expect(candleReports.map((r) => r.recovered)).toEqual(h.catchUps.map((c) => c.closed));
    expect(candleReports.reduce((s, r) => s + r.recovered, 0)).toBeGreaterThanOrEqual(3);
  });

  it('poll() returns each closed candle once, across calls, from its cursor', async () => {
    const h = await start(['ETH']);
    const ac = new AbortController();
    const first = await h.conn.poll(null, ac.signal);
    expect(first.records).toEqual([]);
    blocks(h, 30, 10_000);
    const second = await h.conn.poll(first.cursor, ac.signal);
    const closed = h.sim.groundTruth.candles('ETH', '1m').filter((c) => c.T + 1000 <= h.clock.now());
    const polled = second.records.flatMap((r) => {
      const n = h.conn.normalize(r);
      return n.ok ? n.drafts : [];
    });
    expect(polled.map((d) => d.payload)).toEqual(closed.map(expectedCandle));
    const third = await h.conn.poll(second.cursor, ac.signal);
    expect(third.records).toEqual([]);
    expect(third.caughtUp).toBe(true);
  });

  /** Drops the socket, trades `n` blocks while it is down, reconnects; returns the tape's BTC trades of the gap. */
  async function dropAndTrade(h: Harness, n: number): Promise<{ tid: number; time: number }[]> {
    h.sim.faults.refuseConnections();
    expect(h.sim.faults.drop({ all: true })).toBe(1);
    await h.cond.until(() => h.conn.health().state === 'degraded', 'the connector to notice the drop');
    const from = h.clock.now();
    blocks(h, n, 10_000);
    const gap = h.sim.groundTruth.trades('BTC').filter((t) => t.time > from);
    h.sim.faults.acceptConnections();
    await h.cond.until(() => h.tradeCatchUps.length === 1, 'the trades catch-up after the reconnect');
    return gap;
  }

  const tradeIds = (h: Harness): string[] => of(h, 'TRADE_TICK_V1', 'BTC').map((d) => d.nativeId ?? '');

  it('a short socket drop loses no trade: the gap comes back over recentTrades, once per trade id', async () => {
    const h = await start(['BTC'], 1000);
    blocks(h, 6, 10_000);
    const live = h.sim.groundTruth.trades('BTC').length;
    await h.cond.until(() => of(h, 'TRADE_TICK_V1', 'BTC').length === live, 'the live trades');
    const gap = await dropAndTrade(h, 6);
    expect(gap.length).toBeGreaterThan(0);
    expect(h.tradeCatchUps).toEqual([{ coin: 'BTC', recovered: gap.length, complete: true }]);
    expect(h.sinkCatchUps.filter((r) => r.channel === 'trades')).toEqual([
      { channel: 'trades', recovered: gap.length, complete: true },
    ]);
    blocks(h, 3, 10_000); // live again
    const tape = h.sim.groundTruth.trades('BTC');
    const want = tape.map((t) => `trade:BTC:${t.time}:${t.tid}`);
    await h.cond.until(() => new Set(tradeIds(h)).size === want.length, `${want.length} distinct trades`);
    // Every trade of the tape, none invented; in the pipeline dedup drops a trade that came both ways.
    expect([...new Set(tradeIds(h))].sort()).toEqual([...want].sort());
    const recovered = h.records.filter((r) => h.conn.normalize(r).ok && r.sourceUri === h.sim.infoUrl);
    expect(recovered.length).toBe(1);
  });

  it('a drop longer than the recentTrades window is reported incomplete, with what the window still had', async () => {
    const h = await start(['BTC']); // the simulator's default window: the newest 10 trades
    blocks(h, 3, 10_000);
    const live = h.sim.groundTruth.trades('BTC').length;
    await h.cond.until(() => of(h, 'TRADE_TICK_V1', 'BTC').length === live, 'the live trades');
    const gap = await dropAndTrade(h, 12);
    expect(gap.length).toBeGreaterThan(10);
    expect(h.tradeCatchUps).toEqual([{ coin: 'BTC', recovered: 10, complete: false }]);
    expect(h.sinkCatchUps.filter((r) => r.channel === 'trades')).toEqual([
      { channel: 'trades', recovered: 10, complete: false },
    ]);
    const ids = new Set(tradeIds(h));
    for (const t of gap.slice(-10)) expect(ids.has(`trade:BTC:${t.time}:${t.tid}`)).toBe(true);
    expect(ids.has(`trade:BTC:${gap[0]?.time}:${gap[0]?.tid}`)).toBe(false);
  });
});
