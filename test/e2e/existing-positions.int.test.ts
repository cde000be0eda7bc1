/**
 * Issue 5: an influencer who already holds positions when the service starts gets no false
 * OPEN. The simulator trades on its own first (so the accounts hold positions and have a fill
 * history the subscription snapshot replays), pauses, and only then the App starts against it
 * as a custom Hyperliquid network. After trading resumes, the first signal of every
 * (influencer, market) must start from the position the account held at admission, the chain
 * must be unbroken, and the final positions must match the simulator's ground truth.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dec, decStr } from '../../src/core/index.js';
import { chainViolations, dedupeByKey, engineProgress, groundTruthDiffs, readSignalLog } from './helpers.js';
import { ALL_CLASSES, startAppStack } from '../kit/stack.js';
import type { AppStack } from '../kit/stack.js';
import { until } from '../kit/index.js';

describe('influencers with positions before the service starts', () => {
  let stack: AppStack | null = null;
  afterEach(async () => {
    await stack?.stop();
    stack = null;
  });

  it('emits no OPEN for a market already held at admission; chains from the held position to ground truth', async () => {
    // The App is built but not started: the simulator trades on its own first.
    stack = await startAppStack({
      sim: { mode: 'external', seed: 31, accounts: 3, tickMs: 30 },
      redis: true,
      startApp: false,
    });
    const { sim: s, app } = stack;
    // Trade until every account holds several positions.
    await until(
      () => s.accounts.every((a) => Object.keys(s.groundTruth.positions(a)).length >= 4),
      30_000,
      'pre-existing positions',
    );
    s.pause();
    const held = new Map<string, string>();
    s.accounts.forEach((a, i) => {
      for (const [market, szi] of Object.entries(s.groundTruth.positions(a)))
        if (!dec(szi).isZero()) held.set(`inf-${i}|${market}`, decStr(dec(szi)));
    });
    const preFills = s.accounts.map((a) => s.groundTruth.fills(a).length);

    await stack.startApp();
    const progress = engineProgress(app);
    const admittedAt = Date.now();
    // Both listeners subscribed (and got their snapshots) before trading resumes.
    await until(
      () => app.manager?.status().influencers.every((i) => i.coverage === 'dual') ?? false,
      20_000,
      'dual coverage',
    );
    s.resume();
    await until(
      () => s.accounts.every((a, i) => s.groundTruth.fills(a).length >= (preFills[i] ?? 0) + 25),
      40_000,
      'trading after admission',
    );
    await progress.settle(s, admittedAt);
    await app.close(10_000);

    const signals = readSignalLog(stack.files.signals);
    const { byKey, duplicates } = dedupeByKey(signals);
    expect(duplicates).toBe(0);
    expect(chainViolations(byKey)).toEqual([]);

    // The first signal of each stream starts where the account stood at admission.
    const wrongStart: string[] = [];
    let heldAndTraded = 0;
    for (const [key, list] of byKey) {
      const first = list[0];
      if (!first) continue;
      const before = held.get(key) ?? '0';
      if (before !== '0') heldAndTraded++;
      if (first.previousPosition !== before)
        wrongStart.push(`${key}: first ${first.action} from ${first.previousPosition}, held ${before}`);
    }
    expect(wrongStart).toEqual([]);
    const falseOpens = signals.filter(
      (x) => x.action === 'OPEN' && held.has(`${x.influencerId}|${x.market}`),
    );
    // An OPEN on a held market is only right after the stream went flat first.
    for (const o of falseOpens) {
      const list = byKey.get(`${o.influencerId}|${o.market}`) ?? [];
      expect(list.indexOf(o)).toBeGreaterThan(0);
      expect(o.previousPosition).toBe('0');
    }
    expect(heldAndTraded).toBeGreaterThanOrEqual(3);

    const { diffs, compared, preAdmission } = groundTruthDiffs(byKey, stack.truth(), ALL_CLASSES);
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(5);
    const reconciles = signals.filter((x) => x.action === 'RECONCILE').length;
    console.log(
      `existing positions: ${held.size} held at admission, ${heldAndTraded} of them traded later, ${signals.length} signals, ${reconciles} RECONCILE, ${compared} compared, ${preAdmission} untouched since admission`,
    );
  });
});
