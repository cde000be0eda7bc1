/**
 * End to end on the embedded default: simulator -> two listeners per influencer -> fan-in ->
 * positions -> local sinks. After trading stops and everything settles, the position each
 * signal stream ends at must equal the simulator's ground truth, every signal id is unique,
 * and the local signal log holds exactly what was published.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/app/index.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { dec, decStr, marketClass, silentLogger } from '../../src/core/index.js';
import type { Signal } from '../../src/positions/index.js';
import { readNdjson, until } from '../kit/index.js';
import { appPerTest } from '../kit/app-per-test.js';

const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });

function configFor(dir: string) {
  return parseServiceConfig({
    source: { kind: 'simulator', simulator: { seed: 7, accounts: 4, tickMs: 40, port: 0 } },
    influencers: { source: 'simulator' },
    hyperliquid: { heartbeat: { pingIntervalMs: 5000, pongTimeoutMs: 2000 } },
    positions: { marketClasses: ['perp', 'hip3', 'spot', 'outcome'] },
    sinks: { local: { dir: join(dir, 'out') }, spool: { dir: join(dir, 'spool') } },
    http: { port: 0 },
  });
}

describe('App on the embedded default', () => {
  const t = appPerTest('ingest-app-');

  it('derives signals whose final positions match the simulator ground truth', async () => {
    const dir = t.dir();
    const signals: Signal[] = [];
    const app = t.track(new App({ config: configFor(dir), logger }));
    const startedAt = Date.now();
    await app.start();
    app.engine?.events.on('signal', (s) => signals.push(s));
    const sim = app.sim;
    if (!sim) throw new Error('simulator not started');

    await until(() => signals.length >= 40, 30_000, '40 signals');
    const status = (await (await fetch(`${app.httpUrl}/status.json`)).json()) as {
      coverage: { dual: number };
      service: Record<string, unknown>;
    };
    expect(status.coverage.dual).toBe(4);
    expect(status.service).toMatchObject({ source: 'simulator', influencerSource: 'ok' });
    sim.pause();
    // Wait until the last blocks reached the sink: the signal log ends, per key, at the
    // simulator's positions, and holds the market of each account's last fill of this run.
    const logPath = join(dir, 'out', 'signals.ndjson');
    const behind = (): string[] => {
      const last = new Map<string, string>();
      for (const { value: v } of readNdjson<{ value: Signal }>(logPath)) {
        last.set(`${v.influencerId}|${v.market}`, v.position);
      }
      const out: string[] = [];
      sim.groundTruth.accounts.forEach((address, i) => {
        const truth = sim.groundTruth.positions(address);
        const markets = new Set<string>();
        for (const key of last.keys())
          if (key.startsWith(`sim-${i}|`)) markets.add(key.slice(key.indexOf('|') + 1));
        const lastFill = sim.groundTruth.fills(address).at(-1);
        if (lastFill && lastFill.time >= startedAt) markets.add(lastFill.coin);
        for (const m of markets) {
          const want = truth[m] === undefined ? '0' : decStr(dec(truth[m]));
          const got = last.get(`sim-${i}|${m}`);
          if (got !== want) out.push(`sim-${i}|${m} at ${got ?? 'no signal'}, truth ${want}`);
        }
      });
      return out;
    };
    await until(
      () => behind().length === 0,
      15_000,
      () => `the sink to catch up on ${behind().join(', ')}`,
    );
    await app.close(5000);

    // Signals leave within milliseconds, so some are published while start() is still
    // returning, before the listener above exists: the signal log is the full record, and what
    // the listener saw must be its tail per key.
    const logged = readNdjson<{ id: string; key: string; value: Signal }>(join(dir, 'out', 'signals.ndjson'));
    for (const r of logged) expect(r.value.signalId).toBe(r.id);
    const published = logged.map((r) => r.value);
    const ids = published.map((s) => s.signalId);
    expect(new Set(ids).size).toBe(ids.length);

    // Final position per (influencer, market) from the signal stream vs ground truth.
    const last = new Map<string, string>();
    for (const s of published) last.set(`${s.influencerId}|${s.market}`, s.position);
    const accounts = sim.groundTruth.accounts;
    let compared = 0;
    accounts.forEach((address, i) => {
      const truth = sim.groundTruth.positions(address);
      for (const [key, position] of last) {
        const [inf, market] = key.split('|') as [string, string];
        if (inf !== `sim-${i}`) continue;
        const want = truth[market];
        expect({ key, position }).toEqual({ key, position: want === undefined ? '0' : decStr(dec(want)) });
        compared++;
      }
    });
    expect(compared).toBeGreaterThan(3);
    expect(published.every((s) => ['perp', 'hip3', 'spot', 'outcome'].includes(marketClass(s.market)))).toBe(
      true,
    );

    // The log holds what was published, in order per key (the only order the contract
    // promises: different keys are published concurrently).
    const perKey = (list: { key: string; id: string }[]) => {
      const m = new Map<string, string[]>();
      for (const x of list) m.set(x.key, [...(m.get(x.key) ?? []), x.id]);
      return m;
    };
    const loggedPerKey = perKey(logged);
    const seenPerKey = perKey(signals.map((x) => ({ key: `${x.influencerId}|${x.market}`, id: x.signalId })));
    for (const [key, seen] of seenPerKey) {
      const all = loggedPerKey.get(key) ?? [];
      expect({ key, tail: all.slice(all.length - seen.length) }).toEqual({ key, tail: seen });
    }
  });
});
