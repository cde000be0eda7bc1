/**
 * Gap repair for one (influencer, market), run while later fills are held. First ask
 * `userFillsByTime` from the last confirmed fill time (inclusive overlap) to the gap block's
 * time, dedupe against what was processed, and replay the missing fills in order (their
 * signals carry quality.backfilled). If that cannot explain the gap (truncated at the
 * 10 000-fill horizon, still unchained, no history port, request failed) reconcile against
 * the authoritative PositionSource with a RECONCILE signal; without one, jump explicitly to
 * where the fills start. Never a silent jump.
 */
import { ZERO } from '../core/index.js';
import type { FillEvent, MarketClass } from '../core/index.js';
import { chainSort } from './chain.js';
import type { PositionEngineEvents } from './events.js';
import type { FillHistory, PositionSnapshot, PositionSource } from './ports.js';
import type { ReconcileReason } from './signal.js';
import { snapshotCovers } from './snapshot-time.js';
import type { MarketTracker } from './tracker.js';

export interface RepairDeps {
  readonly fillHistory: FillHistory | undefined;
  readonly positionSource: PositionSource | undefined;
  covered(cls: MarketClass): boolean;
  emit<K extends keyof PositionEngineEvents>(event: K, payload: PositionEngineEvents[K]): void;
}

export function groupByTime(fills: readonly FillEvent[]): FillEvent[][] {
  const m = new Map<number, FillEvent[]>();
  for (const f of fills) {
    const g = m.get(f.time) ?? [];
    g.push(f);
    m.set(f.time, g);
  }
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
}

/** Returns the fills still unexplained (with the reason), or null when the backfill closed the gap. */
async function backfill(
  t: MarketTracker,
  gapFills: readonly FillEvent[],
  deps: RepairDeps,
): Promise<{ remaining: FillEvent[]; reason: ReconcileReason } | null> {
  if (!deps.fillHistory) return { remaining: [...gapFills], reason: 'no-backfill' };
  const toMs = Math.max(...gapFills.map((f) => f.time));
  const fromMs = t.lastTime;
  let res;
  try {
    res = await deps.fillHistory.userFillsByTime(t.user, fromMs, toMs);
  } catch (error) {
    deps.emit('error', { error, context: { op: 'backfill', key: t.key, fromMs, toMs } });
    return { remaining: [...gapFills], reason: 'backfill-failed' };
  }
  const ref = { influencerId: t.influencerId, market: t.market, fromMs, toMs, truncated: res.truncated };
  if (res.truncated) {
    deps.emit('backfill', { ...ref, fetched: res.fills.length, applied: 0 });
    return { remaining: [...gapFills], reason: 'backfill-truncated' };
  }
  const merged = new Map<string, FillEvent>();
  for (const f of gapFills) merged.set(f.eventId, f);
  let fetched = 0;
  for (const f of res.fills) {
    if (f.coin !== t.market || f.time < fromMs || f.time > toMs) continue;
    if (f.time === t.lastTime && t.idsAtLastTime.has(f.eventId)) continue;
    fetched++;
    if (!merged.has(f.eventId)) merged.set(f.eventId, f);
  }
  const blocks = groupByTime([...merged.values()]);
  let applied = 0;
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i] ?? [];
    const r = chainSort(t.position, block);
    if (!r.complete) {
      deps.emit('backfill', { ...ref, fetched, applied });
      return { remaining: blocks.slice(i).flat(), reason: 'backfill-unchained' };
    }
    t.apply(r.steps);
    applied += block.length;
  }
  deps.emit('backfill', { ...ref, fetched, applied });
  return null;
}

const SNAPSHOT_ATTEMPTS = 3;

/**
 * A snapshot later than every fill it must account for: one stamped in the millisecond of the
 * last applied fill cannot say whether it includes it, so ask again (the next answer is later).
 */
async function freshSnapshot(
  source: PositionSource,
  t: MarketTracker,
  remaining: readonly FillEvent[],
): Promise<PositionSnapshot> {
  const wanted = remaining.reduce((m, f) => Math.max(m, f.time), t.lastTime);
  let snap = await source.positions(t.user);
  for (let i = 1; i < SNAPSHOT_ATTEMPTS && !snapshotCovers(snap.time, wanted); i++)
    snap = await source.positions(t.user);
  if (!snapshotCovers(snap.time, t.lastTime))
    throw new Error(`snapshot at ${snap.time} does not postdate the last applied fill at ${t.lastTime}`);
  return snap;
}

/** Reconcile to the authoritative snapshot; fills it already includes are absorbed into the signal. */
async function reconcile(
  t: MarketTracker,
  remaining: FillEvent[],
  reason: ReconcileReason,
  deps: RepairDeps,
): Promise<void> {
  if (deps.positionSource && deps.covered(t.cls)) {
    try {
      const snap = await freshSnapshot(deps.positionSource, t, remaining);
      const included = (f: FillEvent): boolean => snapshotCovers(snap.time, f.time);
      const heldIncluded = (t.held ?? []).filter((f) => f.coin === t.market && included(f));
      if (t.held) t.held = t.held.filter((f) => !heldIncluded.includes(f));
      const absorbed = [...remaining.filter(included), ...heldIncluded];
      t.reconcileTo(snap.positions.get(t.market) ?? ZERO, Math.max(snap.time, t.lastTime), reason, absorbed);
      // What the snapshot cannot include yet is applied explicitly, never silently.
      for (const block of groupByTime(remaining.filter((f) => !included(f)))) t.processBlock(block, true);
      return;
    } catch (error) {
      deps.emit('error', { error, context: { op: 'reconcile', key: t.key } });
    }
  }
  for (const block of groupByTime(remaining)) t.processBlock(block, true, reason);
}

/** Run the repair; the caller releases the held fills afterwards. */
export async function repairGap(t: MarketTracker, gapFills: FillEvent[], deps: RepairDeps): Promise<void> {
  const left = await backfill(t, gapFills, deps);
  if (left) await reconcile(t, left.remaining, left.reason, deps);
}
