/**
 * Latency-first path, in process: a real FanIn and PositionEngine at the schema defaults
 * (no reorder window, no settle window), joined as the composition root joins them. A signal
 * leaves on the push that completes its fills; only a key with evidence of a gap is held.
 *
 * Where one account's fills of one block can come in more than one frame (docs/hyperliquid-protocol.md
 * §3.4, §2.2, §13, §5.3), and the case here that covers it:
 *  - userFills live frames: whether a block is always one frame is unconfirmed, so a block
 *    split in chain order (follow-up signal) and out of chain order (held, then one signal);
 *  - the trades feed is per coin: one block in two coins is two frames, two keys, no hold;
 *    one coin's trades of one block in two frames give a follow-up signal;
 *  - a subscription snapshot replays a released block and carries a fill live missed;
 *  - a REST backfill (its pages overlap on the boundary millisecond and are pushed together)
 *    carries a fill of a block already signalled: the late fill's follow-up signal.
 */
import { describe, expect, it } from 'vitest';
import type { FillEvent } from '../../src/core/index.js';
import { silentLogger } from '../../src/core/index.js';
import { FaninConfig, PositionsConfig } from '../../src/config/index.js';
import type { FanInBatch, FanInEvents } from '../../src/fanin/index.js';
import { FanIn, MemoryDedupStore } from '../../src/fanin/index.js';
import type { PositionSource, Signal } from '../../src/positions/index.js';
import { PositionEngine } from '../../src/positions/index.js';
import { USER, fill } from './helpers.js';
import { ManualClock } from '../kit/index.js';

const FANIN = FaninConfig.parse({});
const POSITIONS = PositionsConfig.parse({});
const flat: PositionSource = { positions: () => Promise.resolve({ positions: new Map(), time: 500 }) };

async function pipeline() {
  const clock = new ManualClock(1_000_000);
  const engine = new PositionEngine({
    clock,
    logger: silentLogger,
    positionSource: flat,
    settleMs: POSITIONS.settleWindowMs,
  });
  const batches: FanInBatch[] = [];
  const fanIn = new FanIn({
    clock,
    logger: silentLogger,
    dedup: new MemoryDedupStore({ maxEntries: 10_000, ttlMs: 60_000 }),
    resolveInfluencers: (u) => (u === USER ? ['inf-1'] : []),
    deliver: (b) => {
      batches.push(b);
      engine.ingestBlock(b.influencerId, b.fills);
    },
    reorderWindowMs: FANIN.reorderWindowMs,
    gapHoldMs: FANIN.gapHoldMs,
  });
  const signals: Signal[] = [];
  engine.events.on('signal', (s) => signals.push(s));
  const holds: FanInEvents['held'][] = [];
  fanIn.events.on('held', (h) => holds.push(h));
  await engine.admit('inf-1', USER);
  const summary = (): [string, string, string, string, number][] =>
    signals.map((s) => [s.market, s.action, s.previousPosition, s.position, s.timestamp]);
  return { clock, engine, fanIn, batches, signals, holds, summary };
}

const ids = (fills: readonly FillEvent[]): string[] => fills.map((f) => f.eventId).sort();

describe('latency-first defaults', () => {
  it('are no windows at all, and a bounded hold on evidence', () => {
    expect(FANIN.reorderWindowMs).toBe(0);
    expect(POSITIONS.settleWindowMs).toBe(0);
    expect(FANIN.gapHoldMs).toBeGreaterThan(0);
  });

  it('emits a block on the push that brings it, without any timer', async () => {
    const p = await pipeline();
    p.fanIn.push([
      fill({ side: 'B', sz: '0.5', time: 1000, start: '0' }),
      fill({ side: 'B', sz: '0.5', time: 1000, start: '0.5' }),
    ]);
    expect(p.summary()).toEqual([['BTC', 'OPEN', '0', '1', 1000]]);
    expect(p.holds).toEqual([]);
  });
});

describe('a block split across two userFills frames', () => {
  it('in chain order: the first frame is signalled at once, the second yields the follow-up signal', async () => {
    const p = await pipeline();
    const a = fill({ side: 'B', sz: '1', time: 2000, start: '0' });
    const b = fill({ side: 'B', sz: '2', time: 2000, start: '1' });
    const c = fill({ side: 'B', sz: '1', time: 2000, start: '3' });
    p.fanIn.push([a, b]);
    expect(p.summary()).toEqual([['BTC', 'OPEN', '0', '3', 2000]]);
    p.fanIn.push([c]);
    expect(p.summary()).toEqual([
      ['BTC', 'OPEN', '0', '3', 2000],
      ['BTC', 'INCREASE', '3', '4', 2000],
    ]);
    // The documented follow-up: same timestamp, other fills, so another id.
    expect(p.signals[1]?.sourceEventIds).toEqual([c.eventId]);
    expect(p.signals[1]?.signalId).not.toBe(p.signals[0]?.signalId);
    expect(p.batches.map((x) => x.late)).toEqual([false, true]);
    expect(p.holds).toEqual([]);
  });

  it('out of chain order: the key waits for the missing fill, then the block is one signal', async () => {
    const p = await pipeline();
    p.fanIn.push([fill({ side: 'B', sz: '1', time: 1000, start: '0' })]);
    const first = fill({ side: 'B', sz: '1', time: 2000, start: '1' });
    const second = fill({ side: 'B', sz: '2', time: 2000, start: '2' });
    p.fanIn.push([second]); // starts at 2: the fill 1 -> 2 of this block has not arrived
    expect(p.summary()).toEqual([['BTC', 'OPEN', '0', '1', 1000]]);
    expect(p.holds).toMatchObject([{ influencerId: 'inf-1', coin: 'BTC', reason: 'gap' }]);
    expect(p.fanIn.stats().heldKeys).toBe(1);
    p.clock.advance(FANIN.gapHoldMs / 2);
    p.fanIn.push([first]); // the chain closes: released now, not at the deadline
    expect(p.summary()).toEqual([
      ['BTC', 'OPEN', '0', '1', 1000],
      ['BTC', 'INCREASE', '1', '4', 2000],
    ]);
    expect(ids(p.batches[1]?.fills ?? [])).toEqual(ids([first, second]));
    expect(p.batches[1]?.fills.map((f) => f.eventId)).toEqual([first.eventId, second.eventId]);
    expect(p.fanIn.stats().heldKeys).toBe(0);
  });
});

describe('a late fill after its block was emitted', () => {
  it('from a REST backfill: the follow-up signal continues from the last position', async () => {
    const p = await pipeline();
    p.fanIn.push([
      fill({ side: 'A', sz: '2', time: 1000, start: '0' }),
      fill({ side: 'A', sz: '1', time: 1000, start: '-2' }),
    ]);
    const missed = fill({ side: 'B', sz: '3', time: 1000, start: '-3', delivery: 'backfill' });
    p.fanIn.push([missed]);
    expect(p.summary()).toEqual([
      ['BTC', 'OPEN', '0', '-3', 1000],
      ['BTC', 'CLOSE', '-3', '0', 1000],
    ]);
    expect(p.signals[1]?.quality.backfilled).toBe(true);
    expect(p.batches[1]).toMatchObject({ late: true, blockTime: 1000 });
  });

  it('from a snapshot replaying the block: the copies are suppressed, the missed fill follows up', async () => {
    const p = await pipeline();
    const seen = fill({ side: 'B', sz: '1', time: 1000, start: '0' });
    p.fanIn.push([seen]);
    const missed = fill({ side: 'B', sz: '1', time: 1000, start: '1', delivery: 'snapshot' });
    p.fanIn.push([{ ...seen, source: { ...seen.source, delivery: 'snapshot' } }, missed]);
    expect(p.summary()).toEqual([
      ['BTC', 'OPEN', '0', '1', 1000],
      ['BTC', 'INCREASE', '1', '2', 1000],
    ]);
    expect(p.fanIn.stats()).toMatchObject({ duplicates: 1, emitted: 2 });
    expect(p.signals[1]?.sourceEventIds).toEqual([missed.eventId]);
  });

  it('of an older block than one already emitted: it leaves flagged late and holds only that key a while', async () => {
    const p = await pipeline();
    p.fanIn.push([fill({ side: 'B', sz: '1', time: 1000, start: '0' })]);
    p.fanIn.push([fill({ side: 'B', sz: '1', time: 3000, start: '1' })]);
    const old = fill({ side: 'B', sz: '1', time: 2000, start: '1' });
    p.fanIn.push([old]);
    expect(p.batches.at(-1)).toMatchObject({ late: true, blockTime: 2000 });
    expect(p.holds).toMatchObject([{ coin: 'BTC', reason: 'late' }]);
    // Disorder on BTC: its next block waits out the hold; ETH is not held.
    const next = fill({ side: 'B', sz: '1', time: 4000, start: '2' });
    p.fanIn.push([next, fill({ coin: 'ETH', side: 'B', sz: '1', time: 4000, start: '0' })]);
    expect(p.batches.at(-1)?.coin).toBe('ETH');
    p.clock.advance(FANIN.gapHoldMs);
    expect(p.batches.at(-1)?.fills).toEqual([next]);
  });
});

describe('a gap holds one key while the other keys keep flowing', () => {
  it('holds BTC until the deadline, then hands it to positions; ETH and SOL signal meanwhile', async () => {
    const p = await pipeline();
    p.fanIn.push([fill({ side: 'B', sz: '1', time: 1000, start: '0' })]);
    // BTC 1 -> 2 at 2000 never arrives; the next BTC fill starts at 2.
    p.fanIn.push([fill({ side: 'B', sz: '1', time: 3000, start: '2' })]);
    expect(p.holds).toMatchObject([{ coin: 'BTC', reason: 'gap' }]);
    let t = 3000;
    for (const coin of ['ETH', 'SOL', 'ETH']) {
      t += 1;
      const before = p.signals.length;
      p.fanIn.push([
        fill({ coin, side: 'B', sz: '1', time: t, start: coin === 'ETH' && t > 3001 ? '1' : '0' }),
      ]);
      expect(p.signals.length).toBe(before + 1);
      expect(p.signals.at(-1)?.market).toBe(coin);
    }
    // More BTC queues behind the gap, in order.
    p.fanIn.push([fill({ side: 'B', sz: '1', time: 3010, start: '3' })]);
    expect(p.signals.filter((s) => s.market === 'BTC')).toHaveLength(1);
    let gaps = 0;
    p.engine.events.on('gap', () => gaps++);
    p.clock.advance(FANIN.gapHoldMs);
    // Released in block order; positions see the gap and take over (repair, RECONCILE).
    const btc = p.batches.filter((b) => b.coin === 'BTC').map((b) => b.blockTime);
    expect(btc).toEqual([1000, 3000, 3010]);
    expect(gaps).toBe(1);
    expect(p.fanIn.stats().heldKeys).toBe(0);
  });
});

describe('the trades feed (market-stream fills, no startPosition)', () => {
  it('one block in two coins is two frames and two keys: each signals at once', async () => {
    const p = await pipeline();
    p.fanIn.push([fill({ side: 'B', sz: '1', time: 1000, start: null })]);
    expect(p.summary()).toEqual([['BTC', 'OPEN', '0', '1', 1000]]);
    p.fanIn.push([fill({ coin: 'ETH', side: 'A', sz: '2', time: 1000, start: null })]);
    expect(p.summary()).toEqual([
      ['BTC', 'OPEN', '0', '1', 1000],
      ['ETH', 'OPEN', '0', '-2', 1000],
    ]);
    expect(p.holds).toEqual([]);
  });

  it("one coin's trades of one block in two frames: the second frame is a follow-up signal", async () => {
    const p = await pipeline();
    p.fanIn.push([fill({ side: 'B', sz: '1', time: 1000, start: null })]);
    p.fanIn.push([fill({ side: 'B', sz: '1', time: 1000, start: null })]);
    expect(p.summary()).toEqual([
      ['BTC', 'OPEN', '0', '1', 1000],
      ['BTC', 'INCREASE', '1', '2', 1000],
    ]);
    expect(p.holds).toEqual([]);
  });
});
