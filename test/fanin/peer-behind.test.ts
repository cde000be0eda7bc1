/**
 * Latency-first fan-in with a user-stream listener and a market-stream listener for one
 * influencer: a market-stream fill (no startPosition, so no chain evidence) ahead of its live
 * user-stream peer holds its key (reason `peer_behind`) until the peer reaches that block or
 * `gapHoldMs` passes; a peer that is ahead, or down, costs nothing.
 */
import { describe, expect, it } from 'vitest';
import type { FillEvent } from '../../src/core/index.js';
import type { FanInEvents, FanInOptions } from '../../src/fanin/index.js';
import type { ExpectedListener } from '../../src/listeners/failover/index.js';
import { fanInUnderTest, fill } from './helpers.js';

/** inf-1: its primary listens on the user stream, its secondary on the market stream. */
const P = 'inf-1/primary';
const S = 'inf-1/secondary';
const PAIR: readonly ExpectedListener[] = [
  { listenerId: P, kind: 'user-stream' },
  { listenerId: S, kind: 'market-stream' },
];
const HOLD_MS = 250;

function setup(extra: Partial<FanInOptions> = {}) {
  const { clock, out, fanin } = fanInUnderTest({
    reorderWindowMs: 0,
    gapHoldMs: HOLD_MS,
    expectedListeners: () => PAIR,
    ...extra,
  });
  const holds: FanInEvents['held'][] = [];
  fanin.events.on('held', (h) => holds.push(h));
  const blocks = (): [number, boolean][] => out.map((b) => [b.blockTime, b.late]);
  return { clock, out, fanin, holds, blocks };
}

/** The trades feed's copy of a fill: same event id, no startPosition, from the market stream. */
const trade = (f: FillEvent): FillEvent => ({
  ...f,
  startPosition: null,
  source: { ...f.source, listenerId: S, listenerKind: 'market-stream' },
});

/** Block 1000 (buy 1 from 0) and block 2000 (buy 1 from 1), as each listener sees them. */
function twoBlocks() {
  const t1 = fill({ tid: 1, time: 1000, start: '0', listenerId: P });
  const t2 = fill({ tid: 2, time: 2000, start: '1', listenerId: P });
  return { t1, t2, t1Trade: trade(t1), t2Trade: trade(t2) };
}

describe('FanIn: a user-stream listener behind its market-stream peer', () => {
  it('without a known user-stream peer, the later block leaves first and the earlier one is late (the gap fixed here)', () => {
    const { fanin, blocks } = setup({ expectedListeners: () => [] });
    const { t1, t2Trade } = twoBlocks();
    fanin.push([t2Trade]);
    fanin.push([t1]);
    expect(blocks()).toEqual([
      [2000, false],
      [1000, true],
    ]);
  });

  it('holds the key until the lagging user stream reaches the block: no late fill, order kept, the copy enriched', () => {
    const { clock, fanin, out, holds, blocks } = setup();
    const { t1, t2, t2Trade } = twoBlocks();
    fanin.push([t2Trade]); // the market stream is ahead: block 2000 before the user stream's 1000
    expect(holds.map((h) => [h.coin, h.reason, h.until])).toEqual([
      ['BTC', 'peer_behind', clock.now() + HOLD_MS],
    ]);
    expect(out).toEqual([]);
    expect(fanin.stats().heldKeys).toBe(1);
    clock.advance(20);
    fanin.push([t1]); // the user stream catches up to 1000: still behind 2000
    expect(out).toEqual([]);
    clock.advance(20);
    fanin.push([t2]); // ... and reaches 2000 (its copy of the held fill)
    expect(blocks()).toEqual([
      [1000, false],
      [2000, false],
    ]);
    expect(out.flatMap((b) => b.fills.map((f) => f.eventId))).toEqual([t1.eventId, t2.eventId]);
    expect(out[1]?.fills[0]?.startPosition?.toString()).toBe('1');
    expect(fanin.stats()).toMatchObject({
      late: 0,
      heldKeys: 0,
      enriched: 1,
      holds: { peer_behind: 1, gap: 0, late: 0 },
    });
  });

  it('releases as soon as the user stream delivered any market at or after the block, not only the same fill', () => {
    const { fanin, blocks } = setup();
    const { t2Trade } = twoBlocks();
    fanin.push([t2Trade]);
    expect(blocks()).toEqual([]);
    fanin.push([fill({ tid: 9, coin: 'ETH', time: 2500, start: '0', listenerId: P })]);
    expect(blocks()).toEqual([
      [2000, false], // BTC, released by the user stream's ETH block 2500
      [2500, false],
    ]);
  });

  it('a user-stream peer that is down is not waited for', () => {
    const { fanin, holds, blocks } = setup({ isListenerLive: (id) => id !== P });
    const { t2Trade } = twoBlocks();
    fanin.push([t2Trade]);
    expect(blocks()).toEqual([[2000, false]]);
    expect(holds).toEqual([]);
  });

  it('a user-stream peer that looks live but never delivers holds the key only for gapHoldMs; other keys keep flowing', () => {
    const { clock, fanin, holds, out } = setup({ isListenerLive: () => true });
    const { t2Trade } = twoBlocks();
    fanin.push([t2Trade]);
    expect(holds.map((h) => h.reason)).toEqual(['peer_behind']);
    const other = fill({ tid: 7, coin: 'SOL', time: 1500, start: '0', listenerId: P });
    fanin.push([other]);
    expect(out.map((b) => b.coin)).toEqual(['SOL']);
    clock.advance(HOLD_MS - 1);
    expect(out.map((b) => b.coin)).toEqual(['SOL']);
    clock.advance(1);
    expect(out.map((b) => [b.coin, b.blockTime, b.late])).toEqual([
      ['SOL', 1500, false],
      ['BTC', 2000, false],
    ]);
    expect(fanin.stats().heldKeys).toBe(0);
  });

  it('a user stream ahead or equal adds no hold: fills leave on the push that brings them', () => {
    const { fanin, holds, blocks } = setup();
    const { t1, t2, t1Trade, t2Trade } = twoBlocks();
    fanin.push([t1]);
    expect(blocks()).toEqual([[1000, false]]);
    fanin.push([t1Trade]); // a copy: suppressed
    fanin.push([t2]);
    expect(blocks()).toEqual([
      [1000, false],
      [2000, false],
    ]);
    fanin.push([t2Trade]);
    // A market-stream fill of a block the user stream already reached (one block split across
    // frames: the user stream's frame did not carry it) leaves at once too.
    const split = fill({ tid: 3, time: 2000, start: null, listenerId: S, kind: 'market-stream' });
    fanin.push([split]);
    expect(blocks()).toEqual([
      [1000, false],
      [2000, false],
      [2000, true],
    ]);
    expect(holds).toEqual([]);
    expect(fanin.stats()).toMatchObject({ duplicates: 2, holds: { peer_behind: 0 } });
  });

  it('with a reorder window (not latency-first) nothing is held for a peer', () => {
    const { clock, fanin, holds, blocks } = setup({ reorderWindowMs: 100 });
    const { t1, t2Trade } = twoBlocks();
    fanin.push([t2Trade]);
    fanin.push([t1]);
    clock.advance(100);
    expect(blocks()).toEqual([
      [1000, false],
      [2000, false],
    ]);
    expect(holds).toEqual([]);
  });
});
