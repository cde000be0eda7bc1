/**
 * Issue 5: a gap of missed fills is repaired by REST backfill. Both listeners of every
 * influencer lose their connections for seconds (drop + refused reconnects) while the simulator
 * keeps trading, and its userFills snapshot is capped at 2 fills, so the resubscribe snapshot
 * cannot reach back over the outage. The listener backfill gate (or the positions stage's gap
 * repair) must fetch the missed fills: signals carry quality.backfilled, the position chain never
 * jumps (no RECONCILE), every missed fill is stored raw, and the final positions match ground truth.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  chainViolations,
  dedupeByKey,
  groundTruthDiffs,
  readRawFillIds,
  engineProgress,
  readSignalLog,
} from './helpers.js';
import { ALL_CLASSES, startAppStack } from '../kit/stack.js';
import type { AppStack } from '../kit/stack.js';
import { truthEventId, until } from '../kit/index.js';

describe('missed fills repaired by backfill', () => {
  let stack: AppStack | null = null;
  afterEach(async () => {
    await stack?.stop();
    stack = null;
  });

  it('backfills an outage the capped snapshot cannot cover, without a jump', async () => {
    stack = await startAppStack({
      sim: {
        mode: 'external',
        seed: 41,
        accounts: 3,
        tickMs: 30,
        paused: true,
        limits: { snapshotFills: 2 },
      },
      redis: true,
      config: {
        hyperliquid: { reconnect: { initialDelayMs: 200, maxDelayMs: 1000, factor: 2, jitter: 0.2 } },
      },
    });
    const { sim: s, app: a } = stack;
    const backfills: { user: string; reason: string; fills: number }[] = [];
    a.manager?.events.on('backfill', (e) => backfills.push(e));
    const progress = engineProgress(a);
    const admittedAt = Date.now();
    const dual = (): boolean => a.manager?.status().influencers.every((i) => i.coverage === 'dual') ?? false;
    await until(dual, 20_000, 'dual coverage');
    s.resume();
    const tradedSince = (h: number, n: number, what: string) =>
      until(() => s.blockHeight() >= h + n, 20_000, `${n} blocks ${what}`);
    await tradedSince(s.blockHeight(), 50, 'before the outage');

    // Outage: every connection dropped, reconnects refused for 4 s while trading goes on.
    const before = s.accounts.map((acct) => s.groundTruth.fills(acct).length);
    s.faults.refuseConnections({ durationMs: 4000 });
    expect(s.faults.drop({ all: true })).toBeGreaterThanOrEqual(2);
    await until(() => !s.state().refusingConnections, 10_000, 'the 4 s refusal to end');
    const missed = s.accounts.map((acct, i) => s.groundTruth.fills(acct).length - (before[i] ?? 0));
    expect(Math.min(...missed)).toBeGreaterThan(2); // more than the snapshot can replay
    await until(dual, 30_000, 'recovery');
    await until(() => new Set(backfills.map((b) => b.user)).size >= s.accounts.length, 30_000, 'backfills');
    await tradedSince(s.blockHeight(), 30, 'after the backfills');
    await progress.settle(s, admittedAt);
    await a.close(10_000);

    const signals = readSignalLog(stack.files.signals);
    const { byKey, duplicates } = dedupeByKey(signals);
    expect(duplicates).toBe(0);
    expect(chainViolations(byKey)).toEqual([]);
    expect(signals.filter((x) => x.action === 'RECONCILE')).toEqual([]);
    const backfilled = signals.filter((x) => x.quality.backfilled);
    expect(backfilled.length).toBeGreaterThan(0);
    expect(backfills.some((b) => b.reason === 'snapshot-gap' && b.fills > 2)).toBe(true);

    // Nothing the account did while tracked is missing from the raw store.
    const stored = readRawFillIds(stack.files.raw);
    const lost = s.accounts.flatMap((acct) =>
      s.groundTruth
        .fills(acct)
        .map((f) => truthEventId(acct, f))
        .filter((id) => !stored.has(id)),
    );
    expect(lost).toEqual([]);

    const { diffs, compared } = groundTruthDiffs(byKey, stack.truth(), ALL_CLASSES);
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(5);
    console.log(
      `gap backfill: missed ${missed.join('/')} fills per account, ${backfills.length} listener backfills (${backfills.map((b) => `${b.reason}:${b.fills}`).join(', ')}), ${backfilled.length}/${signals.length} signals backfilled, ${compared} compared`,
    );
  });
});
