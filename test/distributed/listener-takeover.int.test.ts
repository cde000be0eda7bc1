/**
 * Issue #17, done-when 2: two group-A listener processes, one group-B process, one processor;
 * one A process is SIGKILLed mid-stream. Nothing is lost; no signal of the killed process's
 * influencers reaches Kafka later than 1 s after the simulator sent its fills (group B still
 * covers them), measured from the data: each signal's Kafka record timestamp minus its block
 * time (the simulator stamps a block with its clock and sends it at once). Dual coverage
 * (a subscribed primary and secondary per influencer, from every listener process's
 * /status.json) is back within 15 s, once the surviving A member took over the partitions.
 *
 * A SIGKILLed member is only noticed when its group session times out, so the test sets the
 * group sessionTimeoutMs to 6 s (the schema default is 10 s, which leaves too little of the
 * 15 s for the rebalance and the new listeners' subscriptions on a loaded machine).
 */
import { describe, expect, it } from 'vitest';
import { until } from '../kit/index.js';
import { distribution, loopback, clusterPerTest } from './cluster.js';

const SESSION_TIMEOUT_MS = 6000;

describe('distributed mode: a group-A listener process SIGKILLed mid-stream', () => {
  const newCluster = clusterPerTest();

  it('loses nothing, group B keeps each signal within 1 s of its frame, dual coverage is back within 15 s', async () => {
    const t0 = Date.now();
    const c = await newCluster({
      seed: 23,
      accounts: 8,
      tickMs: 60,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 500,
    });
    c.start({ name: 'listeners-A1', role: 'listeners', group: 'A', sourceAddresses: [loopback(0)] });
    c.start({ name: 'listeners-A2', role: 'listeners', group: 'A', sourceAddresses: [loopback(1)] });
    c.start({ name: 'listeners-B1', role: 'listeners', group: 'B', sourceAddresses: [loopback(2)] });
    c.start({ name: 'processor', role: 'processor' });
    await c.waitStarted();
    await c.waitDualCoverage(60_000, 'dual coverage at start');
    // Both A members hold part of the coordination partitions, so the kill leaves a survivor.
    await until(
      async () =>
        (await c.ownedBy('listeners-A1')).length > 0 && (await c.ownedBy('listeners-A2')).length > 0,
      30_000,
      'both A members own influencers',
      250,
    );
    const admittedAt = Date.now();

    c.sim.resume();
    const fills = (): number => c.minFills();
    await until(() => fills() >= 6, 60_000, 'trading: 6 fills per account');
    const victims = new Set(await c.ownedBy('listeners-A1'));
    const killedAt = Date.now();
    expect(await c.kill('listeners-A1', 'SIGKILL')).toBe('SIGKILL');
    const fillsAtKill = fills();

    // Dual coverage back: every influencer again has a subscribed primary (now in A2) and secondary.
    await c.waitDualCoverage(30_000, 'dual coverage back');
    const dualBackMs = Date.now() - killedAt;
    const takeover = c.logs('listeners-A2', 'listener partitions assigned').filter((l) => l.at >= killedAt);
    expect(takeover.length).toBeGreaterThan(0);
    const reassignedMs = (takeover[0]?.at ?? NaN) - killedAt;

    // Trading goes on across the gap and past it, so signals after the takeover are measured too.
    await until(() => fills() >= fillsAtKill + 12, 60_000, 'trading after the kill');
    c.sim.pause();
    await c.waitGroundTruth(admittedAt);
    await c.stopAll();
    const { messages, duplicates, compared } = await c.verify(admittedAt);
    expect(compared).toBeGreaterThan(8);

    // Lag of every fill-driven signal of the killed process's influencers from its frame.
    const ofVictims = messages.filter(
      (m) => victims.has(m.signal.influencerId) && m.signal.action !== 'RECONCILE',
    );
    const lag = (ms: typeof messages): number[] => ms.map((m) => m.timestamp - m.signal.timestamp);
    const afterKill = ofVictims.filter((m) => m.signal.timestamp >= killedAt);
    // What the assertion watches did happen: the victims kept trading after the kill.
    expect(afterKill.length).toBeGreaterThan(0);
    console.log(
      `listener takeover: A1 owned ${victims.size} of 8 influencers; reassigned to A2 after ${reassignedMs} ms, ` +
        `dual coverage back after ${dualBackMs} ms (sessionTimeoutMs ${SESSION_TIMEOUT_MS}); ` +
        `lag of its signals (Kafka timestamp - frame time, ms) after the kill: ${distribution(lag(afterKill))}, ` +
        `whole run: ${distribution(lag(ofVictims))}; ${messages.length} signals, ${duplicates} duplicate signalIds; ` +
        `test ${Math.round((Date.now() - t0) / 1000)} s`,
    );
    expect(Math.max(...lag(ofVictims))).toBeLessThanOrEqual(1000);
    expect(dualBackMs).toBeLessThanOrEqual(15_000);
  }, 240_000);
});
