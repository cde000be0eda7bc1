/**
 * Issue 5: a gap of missed fills is repaired by REST backfill. Both listeners of every
 * influencer lose their connections for seconds (drop + refused reconnects) while the simulator
 * keeps trading, and its userFills snapshot is capped at 2 fills, so the resubscribe snapshot
 * cannot reach back over the outage. The listener backfill gate (or the positions stage's gap
 * repair) must fetch the missed fills: signals carry quality.backfilled, the position chain never
 * jumps (no RECONCILE), every missed fill is stored raw, and the final positions match ground truth.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app/index.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { services, uniqueName } from '../harness/index.js';
import {
  ALL_CLASSES,
  chainViolations,
  customConfig,
  dedupeByKey,
  groundTruthDiffs,
  influencerYaml,
  readRawFillIds,
  readSignalLog,
  sleep,
} from './helpers.js';
import { truthEventId, until } from '../kit/index.js';

const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });

describe('missed fills repaired by backfill', () => {
  let dir = '';
  let app: App | null = null;
  let sim: Simulator | null = null;
  afterEach(async () => {
    await app?.close(5000);
    await sim?.close();
    app = null;
    sim = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('backfills an outage the capped snapshot cannot cover, without a jump', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-e2e-gap-'));
    const s = await startSimulator({
      seed: 41,
      accounts: 3,
      tickMs: 30,
      paused: true,
      limits: { snapshotFills: 2 },
    });
    sim = s;
    const file = join(dir, 'influencers.yaml');
    writeFileSync(file, influencerYaml(s.accounts));
    const config = parseServiceConfig(
      customConfig({
        wsUrl: s.wsUrl,
        infoUrl: s.infoUrl,
        influencersFile: file,
        dir,
        redisUrl: services().redis.url,
        keyPrefix: `${uniqueName('e2e')}:`,
        extra: {
          hyperliquid: {
            network: 'custom',
            wsUrl: s.wsUrl,
            infoUrl: s.infoUrl,
            heartbeat: { pingIntervalMs: 5000, pongTimeoutMs: 2000 },
            reconnect: { initialDelayMs: 200, maxDelayMs: 1000, factor: 2, jitter: 0.2 },
          },
        },
      }),
    );
    app = new App({ config, logger });
    const a = app;
    const backfills: { user: string; reason: string; fills: number }[] = [];
    await a.start();
    a.manager?.events.on('backfill', (e) => backfills.push(e));
    const admittedAt = Date.now();
    const dual = (): boolean => a.manager?.status().influencers.every((i) => i.coverage === 'dual') ?? false;
    await until(dual, 20_000, 'dual coverage');
    s.resume();
    await sleep(1500);

    // Outage: every connection dropped, reconnects refused for 4 s while trading goes on.
    const before = s.accounts.map((acct) => s.groundTruth.fills(acct).length);
    s.faults.refuseConnections({ durationMs: 4000 });
    expect(s.faults.drop({ all: true })).toBeGreaterThanOrEqual(2);
    await sleep(4000);
    const missed = s.accounts.map((acct, i) => s.groundTruth.fills(acct).length - (before[i] ?? 0));
    expect(Math.min(...missed)).toBeGreaterThan(2); // more than the snapshot can replay
    await until(dual, 30_000, 'recovery');
    await until(() => new Set(backfills.map((b) => b.user)).size >= s.accounts.length, 30_000, 'backfills');
    await sleep(1000);
    s.pause();
    await sleep(1500);
    await a.close(10_000);

    const signals = readSignalLog(join(dir, 'out', 'signals.ndjson'));
    const { byKey, duplicates } = dedupeByKey(signals);
    expect(duplicates).toBe(0);
    expect(chainViolations(byKey)).toEqual([]);
    expect(signals.filter((x) => x.action === 'RECONCILE')).toEqual([]);
    const backfilled = signals.filter((x) => x.quality.backfilled);
    expect(backfilled.length).toBeGreaterThan(0);
    expect(backfills.some((b) => b.reason === 'snapshot-gap' && b.fills > 2)).toBe(true);

    // Nothing the account did while tracked is missing from the raw store.
    const stored = readRawFillIds(join(dir, 'out', 'raw.ndjson'));
    const lost = s.accounts.flatMap((acct) =>
      s.groundTruth
        .fills(acct)
        .map((f) => truthEventId(acct, f))
        .filter((id) => !stored.has(id)),
    );
    expect(lost).toEqual([]);

    const accounts = s.accounts.map((acct, i) => ({
      id: `inf-${i}`,
      truth: s.groundTruth.positions(acct),
      fills: s.groundTruth.fills(acct),
      admittedAt,
    }));
    const { diffs, compared } = groundTruthDiffs(byKey, accounts, ALL_CLASSES);
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(5);
    console.log(
      `gap backfill: missed ${missed.join('/')} fills per account, ${backfills.length} listener backfills (${backfills.map((b) => `${b.reason}:${b.fills}`).join(', ')}), ${backfilled.length}/${signals.length} signals backfilled, ${compared} compared`,
    );
  });
});
