/**
 * Restart: trackers were rebuilt from their cursors; backfill the downtime from the oldest
 * cursor to now, feed it through the normal path (stale/duplicate rules drop what was
 * already processed, signals are flagged backfilled), then verify every resumed market
 * against the authoritative snapshot and RECONCILE any difference. A truncated history
 * (10 000-fill horizon) cannot be replayed faithfully, so those markets reconcile directly.
 *
 * A market with no cursor but fills in the downtime that the snapshot already holds was first
 * traded (or first signalled) after the last cursor: seeding it from that snapshot would fold
 * those fills into the seed and never signal them (a processor taking over a partition, or a restart, would
 * silently skip an OPEN). It starts instead at its first replayed fill's startPosition, so
 * every fill since is derived, with the ids the previous run would have given them.
 */
import { marketClass, ZERO } from '../core/index.js';
import type { Decimal, FillEvent, MarketClass } from '../core/index.js';
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
  /** Creates the tracker of a market without a cursor at `position`, fills after `time` new. */
  startAt(market: string, position: Decimal, time: number): void;
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
      for (const f of fills) {
        if (d.trackers.has(f.coin) || f.startPosition === null || !d.covered(marketClass(f.coin))) continue;
        // Only where the seed would fold the fill in; an older seed meets it as a gap and repairs.
        if (d.snapshot === null || f.time > d.snapshot.time) continue;
        d.startAt(f.coin, f.startPosition, f.time - 1);
      }
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
