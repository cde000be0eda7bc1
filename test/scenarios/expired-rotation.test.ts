/**
 * `Expired` rotation: the simulator closes every socket after a short lifetime; the manager
 * rotates each connection make-before-break before that, staggered so the two listeners of
 * an influencer are never down together, and nothing is lost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from './harness.js';
import { startStack, expectExact, verify } from './harness.js';

describe('scenario: Expired rotation of both listeners', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('rotates peers one at a time before expiry and loses nothing', async () => {
    stack = await startStack({
      sim: { expireAfterMs: 3000 },
      kinds: { primary: 'user-stream', secondary: 'user-stream' },
      rotation: {
        maxAgeMs: 1800,
        jitterMs: 400,
        minGapMs: 400,
        replacementTimeoutMs: 2000,
        maxPeerWaitMs: 5000,
      },
    });
    const s = stack;
    const downNow = new Set<string>();
    const peersDown: string[] = [];
    s.manager.rotation.events.on('down', (e) => {
      downNow.add(e.unitId);
      const peers = [...downNow].filter((u) => u !== e.unitId);
      if (peers.length > 0) peersDown.push(`${e.unitId} with ${peers.join(',')}`);
    });
    s.manager.rotation.events.on('up', (e) => downNow.delete(e.unitId));
    const completed = () => (s.events.rotation ?? []).filter((r) => r.phase === 'completed' && r.planned);
    const connIds = s.plan.connections.map((c) => c.id);
    // Every connection rotated, and the first sockets are past the server's 3 s expiry, so an
    // expiry the rotation failed to beat would have happened by now.
    const firstOpened = Math.min(...s.sim.connections().map((c) => c.openedAt));
    await s.until(
      () =>
        connIds.every((id) => completed().some((r) => r.connectionId === id)) &&
        s.clock.now() > firstOpened + 3000 + 500,
      10_000,
      'a planned rotation of every connection, past the first sockets expiry',
    );
    await s.settle();

    for (const id of connIds) expect(completed().some((r) => r.connectionId === id)).toBe(true);
    expect(peersDown).toEqual([]);
    // Make-before-break: no listener ever went down, and the server never had to expire a socket.
    expect((s.events.listenerState ?? []).filter((e) => e.from !== 'down' && e.to === 'down')).toEqual([]);
    expect((s.events.connectionClosed ?? []).filter((c) => c.cause === 'expired')).toEqual([]);
    const v = verify(s, s.sim.accounts);
    expectExact(v);
  });
});
