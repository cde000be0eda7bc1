/**
 * Restart: trackers were rebuilt from their cursors; backfill the downtime from the oldest
 * cursor to now, feed it through the normal path (stale/duplicate rules drop what was
 * already processed, signals are flagged backfilled), then verify every resumed market
 * against the authoritative snapshot and RECONCILE any difference. A truncated history
 * (10 000-fill horizon) cannot be replayed faithfully, so those markets reconcile directly.
 */
import { ZERO } from '../core/index.js';
import type { FillEvent, MarketClass } from '../core/index.js';
import type { PositionEngineEvents } from './events.js';
import type { FillHistory, PositionSnapshot } from './ports.js';
import { snapshotCovers } from './snapshot-time.js';
import type { MarketTracker } from './tracker.js';

export interface ResumeDeps {
  readonly influencerId: string;
  readonly trackers: ReadonlyMap<string, MarketTracker>;
  readonly user: string;
  readonly from: number;
  readonly to: number;
  readonly snapshot: PositionSnapshot | null;
  readonly fillHistory: FillHistory | undefined;
  covered(cls: MarketClass): boolean;
  tracker(market: string): MarketTracker;
  /** Close open blocks and wait for repairs started by the replayed fills. */
  settle(): Promise<void>;
  emit<K extends keyof PositionEngineEvents>(event: K, payload: PositionEngineEvents[K]): void;
}

export async function resumeInfluencer(d: ResumeDeps): Promise<void> {
  const resumed = [...d.trackers.values()];
  let truncated = false;
  let count = 0;
  if (d.fillHistory) {
    const res = await d.fillHistory.userFillsByTime(d.user, d.from, d.to);
    truncated = res.truncated;
    if (!truncated) {
      const fills: FillEvent[] = [...res.fills].sort((a, b) => a.time - b.time);
      count = fills.length;
      for (const f of fills) d.tracker(f.coin).accept(f);
      await d.settle();
    }
  }
  d.emit('resumed', { influencerId: d.influencerId, fills: count, truncated });
  const snap = d.snapshot;
  if (!snap) return;
  for (const t of resumed) {
    // A fill stamped in the snapshot's own millisecond may or may not be in it (the simulator
    // and, per the protocol notes, possibly the exchange stamp both with the server clock):
    // only a snapshot strictly later than the last fill can verify the market.
    if (!d.covered(t.cls) || t.held) continue;
    if (!snapshotCovers(snap.time, t.lastTime)) {
      // Fills after the snapshot were replayed: it cannot verify this market. Said, not silent;
      // the next position push verifies it. (A cursor dated in the future, which used to land
      // here for good, is never loaded: app/time-guarded-cursors.ts.)
      d.emit('reconcileSkipped', {
        influencerId: d.influencerId,
        market: t.market,
        reason: 'resume-after-snapshot',
      });
      continue;
    }
    const target = snap.positions.get(t.market) ?? ZERO;
    if (!target.eq(t.position))
      t.reconcileTo(target, snap.time, truncated ? 'resume-truncated' : 'resume-verify', []);
  }
}
