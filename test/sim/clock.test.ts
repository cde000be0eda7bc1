/**
 * The simulator schedules everything (block ticker, idle close, Expired rotation, timed faults)
 * on the injected Clock, so a test can move hours of server time instantly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../../src/core/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { TestClient, sleep } from './helpers.js';

/** A clock that only moves when told to; timers fire in due order during advance(). */
class ManualClock implements Clock {
  private t = 1_800_000_000_000;
  private timers: { due: number; fn: () => void; every?: number; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const e = { due: this.t + ms, fn, live: true };
    this.timers.push(e);
    return { cancel: () => void (e.live = false) };
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    const e = { due: this.t + ms, fn, every: ms, live: true };
    this.timers.push(e);
    return { cancel: () => void (e.live = false) };
  }
  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.setTimeout(r, ms));
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((x) => x.live);
      const next = this.timers.filter((x) => x.due <= end).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.t = next.due;
      if (next.every !== undefined) next.due += next.every;
      else next.live = false;
      next.fn();
    }
    this.t = end;
  }
}

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('injected clock', () => {
  it('ticks blocks, and closes with Expired after 3 h of clock time (and not before)', async () => {
    const clock = new ManualClock();
    sim = await startSimulator(
      { seed: 1, accounts: 1, tickMs: 1000, limits: { idleTimeoutMs: 0 } },
      { clock },
    );
    const c = await TestClient.connect(sim.wsUrl);
    await sleep(20);
    clock.advance(10_000);
    expect(sim.blockHeight()).toBe(10);
    sim.pause(); // the next 3 h need no blocks
    clock.advance(3 * 3600_000 - 20_000);
    await sleep(50);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    clock.advance(20_000);
    expect(await c.closed).toEqual({ code: 1000, reason: 'Expired' });
  });

  it('closes after 60 s of clock time without inbound messages; traffic keeps it open', async () => {
    const clock = new ManualClock();
    sim = await startSimulator({ seed: 1, accounts: 1, tickMs: 0 }, { clock });
    const c = await TestClient.connect(sim.wsUrl);
    await sleep(20);
    clock.advance(50_000);
    c.send({ method: 'ping' });
    await c.waitChannel('pong');
    clock.advance(50_000);
    await sleep(50);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    clock.advance(11_000);
    expect((await c.closed).code).toBe(1000);
  });
});
