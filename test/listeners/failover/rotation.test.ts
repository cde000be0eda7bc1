import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import { plannedRotationTimes, RotationCoordinator } from '../../../src/listeners/failover/index.js';
import type { RotationPermit } from '../../../src/listeners/failover/index.js';
import { ManualClock } from '../../kit/index.js';

const peers: Record<string, string[]> = { a: ['b'], b: ['a', 'c'], c: ['b'], d: [] };
const peersOf = (u: string): string[] => peers[u] ?? [];

function setup(maxConcurrent = 10) {
  const clock = new ManualClock();
  const rc = new RotationCoordinator({
    clock,
    logger: silentLogger,
    peersOf,
    maxWaitMs: 60_000,
    maxConcurrent,
  });
  return { clock, rc };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('RotationCoordinator', () => {
  it('never lets two peers be down at once: the second waits until the first is back up', async () => {
    const { rc } = setup();
    const pa = await rc.acquire('a', 'expired');
    let pb: RotationPermit | null = null;
    void rc.acquire('b', 'expired').then((p) => (pb = p));
    const pd = await rc.acquire('d', 'expired'); // unrelated unit goes at once
    await flush();
    expect(pb).toBeNull();
    expect(rc.downUnits()).toEqual(['a', 'd']);
    pa.release();
    await flush();
    expect(pb).not.toBeNull();
    expect(rc.downUnits()).toEqual(['b', 'd']);
    pd.release();
  });

  it('makes planned rotations of peers wait for an unplanned drop', async () => {
    const { rc } = setup();
    rc.markDown('b', 'socket closed 1006');
    let granted = false;
    void rc.acquire('c', 'expired').then(() => (granted = true));
    await flush();
    expect(granted).toBe(false);
    rc.markUp('b');
    await flush();
    expect(granted).toBe(true);
  });

  it('grants anyway, flagged override, when the peer does not come back within maxWaitMs', async () => {
    const { clock, rc } = setup();
    rc.markDown('a', 'dead');
    let permit: RotationPermit | null = null;
    void rc.acquire('b', 'degraded').then((p) => (permit = p));
    clock.advance(59_999);
    await flush();
    expect(permit).toBeNull();
    clock.advance(1);
    await flush();
    expect(permit).toMatchObject({ unitId: 'b', override: true, waitedMs: 60_000 });
  });

  it('staggers rotations with maxConcurrent and honours abort', async () => {
    const { rc } = setup(1);
    await rc.acquire('a', 'expired');
    const ac = new AbortController();
    const waiting = rc.acquire('d', 'expired', ac.signal);
    ac.abort();
    await expect(waiting).rejects.toThrow(/aborted/);
    expect(rc.downUnits()).toEqual(['a']);
  });

  it('property: under any sequence of requests and ups, no two peers are down together unless overridden', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.boolean()), { maxLength: 40 }),
        async (ops) => {
          const { rc } = setup();
          let overrides = 0;
          rc.events.on('granted', (g) => (overrides += g.override ? 1 : 0));
          for (const [u, up] of ops) {
            if (up) rc.markUp(u);
            else rc.acquire(u, 'test').catch(() => undefined); // rejected by close() at the end
            await flush();
            const down = rc.downUnits();
            for (const x of down)
              for (const y of peersOf(x)) expect(overrides > 0 || !down.includes(y)).toBe(true);
          }
          await rc.close();
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('plannedRotationTimes', () => {
  it('is deterministic, before expiry, and keeps peers at least minGap apart', () => {
    const units = ['a', 'b', 'c', 'd'].map((id) => ({ id, connectedAt: 0 }));
    const opts = { maxAgeMs: 10_000_000, jitterMs: 1_000, minGapMs: 120_000 };
    const t = plannedRotationTimes(units, peersOf, opts);
    expect(plannedRotationTimes([...units].reverse(), peersOf, opts)).toEqual(t);
    for (const u of units) expect(t.get(u.id)).toBeLessThanOrEqual(10_000_000);
    for (const [x, ps] of Object.entries(peers)) {
      for (const y of ps)
        expect(Math.abs((t.get(x) as number) - (t.get(y) as number))).toBeGreaterThanOrEqual(120_000);
    }
  });
});
