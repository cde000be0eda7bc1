/**
 * A market-stream listener only sees coins of its trades universe. Fills on other coins
 * (spot `@107`, outcome `#118440` in the simulator) arrive only on the user-stream listener and
 * must not count as misses of the market-stream one; otherwise it is degraded again and again
 * and its influencer reads single-covered for good. Here the user-stream pool is dropped so the
 * market-stream listener becomes primary, and trading goes on in those markets. The test first
 * checks that such trades (and deliveries to the fan-in) did happen, so it cannot pass on silence.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app/index.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { until } from '../kit/index.js';

const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });

describe('market-stream listener coverage', () => {
  let app: App | null = null;
  let dir = '';
  afterEach(async () => {
    await app?.close(5000);
    app = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is not degraded by fills on coins outside its trades universe', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-ms-'));
    const config = parseServiceConfig({
      source: { kind: 'simulator', simulator: { seed: 7, accounts: 4, tickMs: 40, port: 0 } },
      influencers: { source: 'simulator' },
      hyperliquid: {
        reconnect: { initialDelayMs: 100, maxDelayMs: 500, jitter: 0 },
        egressPools: [
          { name: 'ip-a', localAddress: '127.0.0.1' },
          { name: 'ip-b', localAddress: '127.0.0.2', limits: { users: 3 } },
        ],
      },
      fanin: { failoverGraceMs: 1000 },
      sinks: { local: { dir: join(dir, 'out') }, spool: { dir: join(dir, 'spool') } },
      http: { port: 0 },
    });
    app = new App({ config, logger });
    await app.start();
    const manager = app.manager;
    const sim = app.sim;
    if (!manager || !sim) throw new Error('not started');
    const marketStream = () =>
      manager
        .status()
        .influencers.flatMap((i) => i.listeners)
        .filter((l) => l.kind === 'market-stream');
    expect(marketStream().length).toBeGreaterThan(0);
    const universe = new Set(manager.coins());
    expect(universe.has('@107') || universe.has('#118440')).toBe(false);

    const misses: string[] = [];
    app.fanIn?.events.on('missed', (m) => {
      if (marketStream().some((l) => l.id === m.listenerId)) misses.push(m.eventId);
    });
    let emitted = 0;
    app.fanIn?.events.on('emitted', () => emitted++);
    const truth = sim.groundTruth;
    const fillsWhere = (inside: boolean): number =>
      truth.accounts.flatMap((a) => truth.fills(a)).filter((f) => universe.has(f.coin) === inside).length;
    await until(
      () => marketStream().every((l) => l.state === 'subscribed'),
      10_000,
      'market-stream listeners up',
    );
    sim.faults.drop({ ip: '127.0.0.1' });
    const outsideAtDrop = fillsWhere(false);
    const insideAtDrop = fillsWhere(true);
    const emittedAtDrop = emitted;

    // The thing watched must happen: trading goes on outside the universe (the fills that must
    // not count as misses) and inside it (the market-stream listener delivers to the fan-in).
    let outsideSeenAt = 0;
    await until(
      () => {
        if (outsideSeenAt === 0 && fillsWhere(false) >= outsideAtDrop + 3) outsideSeenAt = Date.now();
        return outsideSeenAt > 0 && fillsWhere(true) > insideAtDrop && emitted > emittedAtDrop;
      },
      15_000,
      () =>
        `trades after the drop (outside ${fillsWhere(false) - outsideAtDrop}, inside ${fillsWhere(true) - insideAtDrop}, emitted ${emitted - emittedAtDrop})`,
    );
    // A miss is raised once the failover grace (1 s) has passed without a delivery: wait it out twice.
    await until(
      () => Date.now() - outsideSeenAt >= 2000,
      5000,
      'two failover graces after the outside fills',
    );
    expect(fillsWhere(false)).toBeGreaterThanOrEqual(outsideAtDrop + 3);
    expect(emitted).toBeGreaterThan(emittedAtDrop);

    expect(misses).toEqual([]);
    for (const l of marketStream())
      expect({ id: l.id, state: l.state }).toEqual({ id: l.id, state: 'subscribed' });
  }, 45_000);
});
