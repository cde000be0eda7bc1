import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import type { HealthEvents, ListenerHealthOptions } from '../../../src/listeners/failover/index.js';
import { FanIn, MemoryDedupStore } from '../../../src/fanin/index.js';
import { ListenerHealth } from '../../../src/listeners/failover/index.js';
import { copyFrom, fill } from '../../fanin/helpers.js';
import { ManualClock } from '../../kit/index.js';

const P = 'inf-1/primary';
const S = 'inf-1/secondary';

function setup(extra: Partial<ListenerHealthOptions> = {}) {
  const clock = new ManualClock();
  const reconnects: [string, string][] = [];
  const roles: HealthEvents['roleChanged'][] = [];
  const h = new ListenerHealth({
    clock,
    logger: silentLogger,
    requestReconnect: (id, reason) => reconnects.push([id, reason]),
    lagThresholdMs: 100,
    lagSustainMs: 10_000,
    minSamples: 5,
    reconnectCooldownMs: 30_000,
    ...extra,
  });
  h.events.on('roleChanged', (e) => roles.push(e));
  h.registerPair({
    pairId: 'inf-1',
    primary: { listenerId: P, kind: 'user-stream' },
    secondary: { listenerId: S, kind: 'market-stream' },
  });
  h.setState(P, 'subscribed');
  h.setState(S, 'subscribed');
  return { clock, h, reconnects, roles };
}

const miss = (listenerId: string, eventId = 'e1') => ({
  eventId,
  influencerId: 'inf-1',
  listenerId,
  deliveredBy: P,
  graceMs: 5000,
});

describe('ListenerHealth', () => {
  it('marks a listener that missed a fill degraded and requests one reconnect per cooldown', () => {
    const { clock, h, reconnects } = setup();
    h.onMissed(miss(S));
    h.onMissed(miss(S, 'e2'));
    expect(reconnects).toEqual([[S, expect.stringContaining('missed fill e1') as string]]);
    expect(h.status().find((s) => s.listenerId === S)).toMatchObject({
      degraded: expect.any(String),
      missed: 2,
    });
    clock.advance(30_000);
    h.onMissed(miss(S, 'e3'));
    expect(reconnects).toHaveLength(2);
    h.setState(S, 'connecting');
    h.setState(S, 'subscribed');
    expect(h.status().find((s) => s.listenerId === S)?.degraded).toBeNull();
  });

  it('swaps roles only after the primary lags beyond the threshold for the sustain duration', () => {
    const { clock, h, roles } = setup();
    const copy = (leadMs: number) => h.onCopy({ eventId: 'x', firstListenerId: S, listenerId: P, leadMs });
    for (let i = 0; i < 5; i++) copy(300);
    expect(roles).toEqual([]);
    clock.advance(9_999);
    copy(300);
    expect(roles).toEqual([]);
    clock.advance(1);
    copy(300);
    expect(roles).toEqual([
      expect.objectContaining({ pairId: 'inf-1', primary: S, secondary: P, reason: 'sustained-lag' }),
    ]);
    expect(h.roleOf(S)).toBe('primary');
  });

  it('does not swap when the lag is not sustained', () => {
    const { clock, h, roles } = setup();
    for (let i = 0; i < 10; i++) h.onCopy({ eventId: 'x', firstListenerId: S, listenerId: P, leadMs: 300 });
    clock.advance(5_000);
    for (let i = 0; i < 30; i++) h.onCopy({ eventId: 'y', firstListenerId: P, listenerId: S, leadMs: 50 });
    clock.advance(6_000);
    h.evaluate();
    expect(roles).toEqual([]);
  });

  it('fails over at once when the primary disconnects and the secondary is healthy', () => {
    const { h, roles } = setup();
    h.setState(P, 'disconnected');
    expect(roles.map((r) => [r.primary, r.reason])).toEqual([[S, 'primary-down']]);
    h.setState(S, 'disconnected'); // S is primary now, but P is not subscribed: no flip-flop
    expect(roles).toHaveLength(1);
  });

  it('is live only while subscribed and not degraded (what the fan-in waits for)', () => {
    const { h } = setup();
    expect(h.isLive(P)).toBe(true);
    h.onMissed(miss(P));
    expect(h.isLive(P)).toBe(false);
    h.setState(P, 'disconnected');
    expect(h.isLive(P)).toBe(false);
    h.setState(P, 'subscribed');
    expect(h.isLive(P)).toBe(true);
    expect(h.isLive('nobody/primary')).toBe(false);
  });

  it('degrades a subscribed listener that has been silent for staleAfterMs', () => {
    const { clock, h, reconnects } = setup({ staleAfterMs: 60_000 });
    clock.advance(59_000);
    h.recordPong(P, 12);
    clock.advance(1_000);
    h.evaluate();
    expect(reconnects.map((r) => r[0])).toEqual([S]);
    expect(h.status().find((s) => s.listenerId === P)?.pongLatencyMs).toBe(12);
  });

  it('tracks first deliveries and signed lead per listener, and exposes expected listeners for the fan-in', () => {
    const { h } = setup();
    h.onFirstArrival(P);
    h.onCopy({ eventId: 'x', firstListenerId: P, listenerId: S, leadMs: 40 });
    const st = Object.fromEntries(h.status().map((s) => [s.listenerId, s]));
    expect(st[P]).toMatchObject({ firstDeliveries: 1, role: 'primary' });
    expect(st[P]?.leadEwmaMs).toBeGreaterThan(0);
    expect(st[S]?.leadEwmaMs).toBeLessThan(0);
    expect(h.expectedListeners('inf-1').map((l) => l.listenerId)).toEqual([P, S]);
    expect(() =>
      h.registerPair({
        pairId: 'x',
        primary: { listenerId: P, kind: 'user-stream' },
        secondary: { listenerId: P, kind: 'user-stream' },
      }),
    ).toThrow(/both roles/);
  });
});

describe('FanIn wired to ListenerHealth', () => {
  it('a listener that misses a fill the other delivered is degraded and a reconnect is requested', async () => {
    const { clock, h, reconnects } = setup();
    const fanin = new FanIn({
      clock,
      logger: silentLogger,
      dedup: new MemoryDedupStore({ maxEntries: 100, ttlMs: 60_000 }),
      resolveInfluencers: () => ['inf-1'],
      deliver: () => undefined,
      reorderWindowMs: 100,
      gapHoldMs: 250,
      expectedListeners: (inf) => h.expectedListeners(inf),
      observer: h,
      missGraceMs: 2000,
    });
    const a = fill({ tid: 1, listenerId: P, receivedAt: 100 });
    const b = fill({ tid: 2, listenerId: S, receivedAt: 100, time: 2000, start: '1' });
    fanin.push([a, b]);
    fanin.push([copyFrom(a, S, 180)]);
    clock.advance(2000);
    expect(reconnects.map((r) => r[0])).toEqual([P]);
    const st = Object.fromEntries(h.status().map((s) => [s.listenerId, s]));
    expect(st[P]).toMatchObject({
      firstDeliveries: 1,
      missed: 1,
      degraded: expect.stringContaining(b.eventId),
    });
    expect(st[S]).toMatchObject({ firstDeliveries: 1, laterDeliveries: 1 });
    await fanin.close();
  });
});
