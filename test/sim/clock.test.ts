/**
 * The simulator schedules everything (block ticker, idle close, Expired rotation, timed faults)
 * on the injected Clock, so a test can move hours of server time instantly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../kit/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { TestClient, sleep } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('injected clock', () => {
  it('ticks blocks, and closes with Expired after 3 h of clock time (and not before)', async () => {
    const clock = new ManualClock(1_800_000_000_000);
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
    const clock = new ManualClock(1_800_000_000_000);
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
