/** BackfillGate: when a snapshot or a returning market-stream listener needs REST, and the order it keeps. */
import { describe, expect, it } from 'vitest';
import type { FillEvent } from '../../src/core/index.js';
import { silentLogger } from '../../src/core/index.js';
import { BackfillGate } from '../../src/listeners/index.js';
import type { BackfillResult } from '../../src/protocol/index.js';
import { U1, fill } from '../fanin/helpers.js';
import { ManualClock, until } from '../kit/index.js';

function setup(result: () => Promise<BackfillResult>): {
  gate: BackfillGate;
  pushed: FillEvent[][];
  calls: [string, number, number][];
  clock: ManualClock;
} {
  const clock = new ManualClock();
  const pushed: FillEvent[][] = [];
  const calls: [string, number, number][] = [];
  const gate = new BackfillGate({
    clock,
    logger: silentLogger,
    sink: { push: (f) => void pushed.push([...f]) },
    enabled: true,
    fetch: (user, from, to) => {
      calls.push([user, from, to]);
      return result();
    },
    onBackfill: () => undefined,
    onFailed: () => undefined,
    maxHoldMs: 1000,
  });
  return { gate, pushed, calls, clock };
}

const ok = (events: FillEvent[]): Promise<BackfillResult> =>
  Promise.resolve({ events, raw: [], pages: 1, truncated: false, truncatedReason: null });
/** Waits until `n` batches were pushed (the backfill answers on a later turn). */
const pushedCount = (pushed: readonly unknown[], n: number): Promise<number> =>
  until(() => pushed.length >= n, 2000, `${n} pushed batches (got ${pushed.length})`);

describe('BackfillGate', () => {
  it('passes a snapshot that reaches back over the last processed fill straight through', () => {
    const { gate, pushed, calls } = setup(() => ok([]));
    gate.push(U1, [fill({ time: 100, tid: 1 })]);
    gate.snapshot(U1, [fill({ time: 90, tid: 0 }), fill({ time: 100, tid: 1 }), fill({ time: 110, tid: 2 })]);
    expect(calls).toEqual([]);
    expect(pushed).toHaveLength(2);
    expect(gate.lastTime(U1)).toBe(110);
  });

  it('backfills from the last processed time when the snapshot starts later, pushing the backfill first', async () => {
    const missing = fill({ time: 150, tid: 5, delivery: 'backfill', listenerId: 'backfill' });
    const { gate, pushed, calls } = setup(() => ok([missing]));
    gate.push(U1, [fill({ time: 100, tid: 1 })]);
    gate.snapshot(U1, [fill({ time: 200, tid: 9, delivery: 'snapshot' })]);
    gate.push(U1, [fill({ time: 210, tid: 10 })]); // live while gated: queued
    expect(calls).toHaveLength(1);
    expect(calls[0]?.[1]).toBe(100);
    expect(pushed).toHaveLength(1);
    await pushedCount(pushed, 4);
    expect(pushed.map((b) => b.map((f) => f.time))).toEqual([[100], [150], [200], [210]]);
  });

  it('holds a returning market-stream user after coverage was lost and backfills on resume', async () => {
    const { gate, pushed, calls } = setup(() => ok([fill({ time: 130, tid: 3 })]));
    gate.push(U1, [fill({ time: 100, tid: 1 })]);
    gate.coverageLost(U1);
    gate.hold(U1);
    gate.push(U1, [fill({ time: 160, tid: 4, kind: 'market-stream' })]);
    expect(pushed).toHaveLength(1);
    gate.resumed(U1);
    expect(calls).toHaveLength(1);
    await pushedCount(pushed, 3);
    expect(pushed.map((b) => b.map((f) => f.time))).toEqual([[100], [130], [160]]);
  });

  it('releases the queue when the backfill fails, and never holds longer than maxHoldMs', async () => {
    const { gate, pushed, clock } = setup(() => Promise.reject(new Error('429')));
    gate.push(U1, [fill({ time: 100, tid: 1 })]);
    gate.coverageLost(U1);
    gate.hold(U1);
    gate.push(U1, [fill({ time: 160, tid: 4 })]);
    clock.advance(1000);
    await pushedCount(pushed, 2);
    expect(pushed.map((b) => b.map((f) => f.time))).toEqual([[100], [160]]);
  });

  it('does not backfill a user it has never seen (nothing to measure a gap from)', () => {
    const { gate, pushed, calls } = setup(() => ok([]));
    gate.snapshot(U1, [fill({ time: 500, tid: 1 })]);
    expect(calls).toEqual([]);
    expect(pushed).toHaveLength(1);
  });
});
