/**
 * Scenario: the server refuses subscribes (its per-IP user cap dropped under what we hold, as
 * when Hyperliquid lowers a limit) while a connection reconnects. The refused subscriptions are
 * tried again on the same connection with backoff, a record's floor between tries is obeyed,
 * and once the server accepts again every influencer is back to two listeners within seconds,
 * without waiting for a reconnect or the ~3 h rotation. Nothing is lost meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ListenerManagerEvents } from '../../src/listeners/index.js';
import type { Stack } from './harness.js';
import { IPS, startStack, expectExact, verify } from './harness.js';

const FLOOR_MS = 1500;

describe('scenario: subscribes refused by the server', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('retries them on the connection, obeys a record floor, and restores dual coverage', async () => {
    // Two of four accounts have a record floor: at most one account is accepted under a cap of
    // one, so both kinds of account get refused.
    const slow = new Set<string>();
    stack = await startStack({
      sim: { accounts: 4 },
      kinds: { primary: 'user-stream', secondary: 'user-stream' },
      subscribeRetryOverrides: (user) =>
        slow.has(user) ? { resubscribeMinIntervalMs: FLOOR_MS } : undefined,
      // Health's own remedy (rotate the connection of a listener that misses fills) is kept out
      // of this test's time frame, so what restores coverage is the retry on the connection.
      missGraceMs: 60_000,
      health: { reconnectCooldownMs: 60_000 },
    });
    const s = stack;
    for (const a of s.sim.accounts.slice(2)) slow.add(a.toLowerCase());
    const retries: (ListenerManagerEvents['subscribeRetry'] & { at: number })[] = [];
    s.manager.events.on('subscribeRetry', (e) => retries.push({ ...e, at: s.clock.now() }));
    await s.blocks(10);

    s.sim.limits.maxUsersPerIp = 1;
    expect(s.sim.faults.drop({ ip: IPS[0] })).toBeGreaterThan(0);
    const refusedUsers = (): Set<string> => new Set(retries.map((r) => r.user ?? ''));
    await s.until(() => refusedUsers().size >= 3, 5000, 'three users refused on the reconnected socket');
    expect(retries.every((r) => r.pool === 'pool0' && r.kind === 'user-stream')).toBe(true);
    expect(retries[0]?.error).toMatch(/Cannot track more than 1 total users/);
    expect(s.manager.status().influencers.some((i) => i.coverage !== 'dual')).toBe(true);
    // The server still refuses: the tries go on, with backoff, until the slow accounts have
    // retried past their floor and the others have backed off three times.
    const slowOnes = () => retries.filter((r) => slow.has(r.user ?? ''));
    const others = () => retries.filter((r) => !slow.has(r.user ?? ''));
    await s.until(
      () => slowOnes().length > 0 && Math.max(0, ...others().map((r) => r.attempt)) >= 3,
      4 * FLOOR_MS + 5000,
      'retries of the slow accounts and three backed-off tries of the others',
    );

    const restoredAt = s.clock.now();
    s.sim.limits.maxUsersPerIp = 10;
    await s.until(
      () => s.manager.status().influencers.every((i) => i.coverage === 'dual'),
      FLOOR_MS + 3000,
      'dual coverage again once the server accepts',
    );
    const healedMs = s.clock.now() - restoredAt;
    console.log(
      `subscribe refused: ${retries.length} retries for ${refusedUsers().size} users, dual again ${healedMs} ms after the server accepted`,
    );

    // The record floor holds for the slow accounts; the others follow the service policy (max 1 s).
    expect(slowOnes().length).toBeGreaterThan(0);
    expect(others().length).toBeGreaterThan(0);
    expect(slowOnes().every((r) => r.delayMs >= FLOOR_MS)).toBe(true);
    expect(others().every((r) => r.delayMs <= 1000)).toBe(true);
    // Several tries in a row back off (attempt grows) instead of hammering the server.
    expect(Math.max(...others().map((r) => r.attempt))).toBeGreaterThanOrEqual(3);

    await s.blocks(10);
    await s.settle();
    const v = verify(s, s.sim.accounts);
    expectExact(v, 20);
  });
});
