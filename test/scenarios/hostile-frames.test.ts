/**
 * Scenario: a hostile server. Between the simulator's real frames, every user-stream and
 * market-stream connection receives one frame of each class of bad input (src/sim/hostile.ts:
 * future times, sizes/prices <= 0, unbounded decimals, markup / prototype / 100 000-char coins,
 * a value nested too deep to serialise, a binary frame), several rounds while the market
 * trades. Every real fill still reaches the fan-in exactly once and in order, no hostile fill
 * reaches it (they carry made-up tids, so one would show as unexpected), and each class is
 * dead-lettered with its own reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/core/index.js';
import { HOSTILE_TID_BASE, hostileFrames } from '../../src/sim/index.js';
import type { Stack } from './harness.js';
import { startStack, expectExact, verify } from './harness.js';

describe('scenario: hostile frames between good ones', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('loses no good fill and lets no bad value through, on both listener kinds', async () => {
    const dead: DeadLetter[] = [];
    stack = await startStack({
      kinds: { primary: 'user-stream', secondary: 'market-stream' },
      onDeadLetter: (d) => dead.push(d),
      // This scenario is about isolating hostile input, not latency, so it runs with a reorder
      // window. At the latency-first default (window 0) it fails about 2 runs in 5 under load:
      // the hostile frames slow the user-stream primary, and the market-stream secondary's fills
      // (no startPosition, so no chain evidence of a gap) of a later block leave before the
      // primary's fill of an earlier block, which then leaves flagged late. Known gap of
      // latency-first with market-stream listeners; see the closing note of this session.
      reorderWindowMs: 500,
    });
    const s = stack;
    const rounds = 4;
    let injected = 0;
    for (let round = 0; round < rounds; round++) {
      for (const user of s.sim.accounts) {
        const now = s.clock.now();
        const userConns = s.sim
          .connections()
          .filter((c) =>
            c.subscriptions.some((x) => x.type === 'userFills' && x.user === user.toLowerCase()),
          );
        const tradeConns = s.sim
          .connections()
          .filter((c) => c.subscriptions.some((x) => x.type === 'trades' && x.coin === 'BTC'));
        for (const c of userConns) {
          const frames = hostileFrames(user.toLowerCase(), 'BTC', now, 'userFills');
          injected +=
            frames.length *
            s.sim.faults.inject(
              { connId: c.id },
              frames.map((f) => f.data),
            );
        }
        for (const c of tradeConns) {
          const frames = hostileFrames(user.toLowerCase(), 'BTC', now, 'trades');
          injected +=
            frames.length *
            s.sim.faults.inject(
              { connId: c.id },
              frames.map((f) => f.data),
            );
        }
      }
      await s.sleep(400);
    }
    await s.settle();
    expect(injected).toBeGreaterThan(0);

    // Good fills: every one, once, in order; nothing else.
    const v = verify(s, s.sim.accounts);
    expectExact(v, 30);
    const emittedTids = s.batches.flatMap((b) => b.fills.map((f) => f.tid ?? 0));
    expect(emittedTids.length).toBeGreaterThan(0);
    expect(emittedTids.filter((t) => t >= HOSTILE_TID_BASE)).toEqual([]);

    // Bad frames: each class dead-lettered with its reason, from both feeds.
    const classes = hostileFrames(s.sim.accounts[0] ?? '', 'BTC', s.clock.now(), 'userFills');
    const reasons = new Set(dead.map((d) => d.reason));
    for (const c of classes) expect(reasons, c.name).toContain(c.reason);
    expect(dead.some((d) => d.channel === 'userFills' && d.reason === 'future_time')).toBe(true);
    expect(dead.some((d) => d.channel === 'trades' && d.reason === 'future_time')).toBe(true);
    const binary = dead.find((d) => d.reason === 'binary_frame');
    expect(binary?.payload).toBe(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x7b, 0x7d]).toString('base64'));
    // Bounded: a 100 000-char coin or a 1000-digit decimal is not copied whole into a dead letter.
    for (const d of dead) expect(d.payload.length).toBeLessThan(5000);
  }, 60_000);
});
