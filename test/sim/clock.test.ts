/**
 * The simulator schedules everything (block ticker, idle close, Expired rotation, timed faults)
 * on the injected Clock, so a test can move hours of server time instantly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, until } from '../kit/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { TestClient } from './helpers.js';

/** The server's view of its connections' states (sync: a timer the clock fired has already acted). */
const states = (s: Simulator): string[] => s.connections().map((c) => c.state);
/** The server has registered the client's connection, so its timers are armed. */
const registered = (s: Simulator): Promise<number> =>
  until(() => s.connections().length === 1, 3000, 'the server to register the connection');

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
    await registered(sim);
    clock.advance(10_000);
    expect(sim.blockHeight()).toBe(10);
    sim.pause(); // the next 3 h need no blocks
    clock.advance(3 * 3600_000 - 20_000);
    expect(states(sim)).toEqual(['open']);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    clock.advance(20_000);
    expect(await c.closed).toEqual({ code: 1000, reason: 'Expired' });
  });

  it('closes after 60 s of clock time without inbound messages; traffic keeps it open', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    sim = await startSimulator({ seed: 1, accounts: 1, tickMs: 0 }, { clock });
    const c = await TestClient.connect(sim.wsUrl);
    await registered(sim);
    clock.advance(50_000);
    c.send({ method: 'ping' });
    await c.waitChannel('pong');
    clock.advance(50_000);
    expect(states(sim)).toEqual(['open']);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    clock.advance(11_000);
    expect((await c.closed).code).toBe(1000);
  });
});
