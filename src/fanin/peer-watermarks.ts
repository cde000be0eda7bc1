/**
 * Evidence that a market-stream fill is ahead of its user-stream peer, for the latency-first
 * fan-in. Owns, per user-stream listener and user, the newest block time that listener has
 * delivered (first arrival or copy, any market: a `userFills` subscription carries every
 * market of the account in block order, docs/hyperliquid-protocol.md §3.4).
 *
 * Why: the `trades` feed carries no startPosition, so a market-stream fill gives no chain
 * evidence. When the influencer's user-stream listener is slowed (a burst of frames to
 * dead-letter, a slow socket), the market-stream copy of a later block can arrive before the
 * user-stream fill of an earlier block; released at once, that earlier fill would leave
 * flagged `late` (a follow-up signal) instead of in order. A market-stream first arrival for
 * block T whose live user-stream peer has delivered nothing at or beyond T therefore waits
 * (reorder-buffer.ts, reason `peer_behind`) until the peer reaches T or the hold expires.
 *
 * A peer that is ahead has already delivered the fill itself, so the market-stream copy is a
 * duplicate and never gets here: the common case costs one map write per user-stream fill.
 * A peer that is down or degraded (what failover knows, `isLive`) is not waited for.
 */
import type { FillEvent } from '../core/index.js';
import type { ExpectedListener } from '../listeners/failover/index.js';

/** What a held key waits for: `listenerId` has delivered a block of `user` at or after `time`. */
export interface PeerWait {
  readonly listenerId: string;
  readonly user: string;
  readonly time: number;
}

export interface PeerWatermarksOptions {
  readonly expectedListeners?: ((influencerId: string) => readonly ExpectedListener[]) | undefined;
  /** Whether a listener is live and healthy (subscribed, not degraded); absent: every peer is. */
  readonly isLive?: ((listenerId: string) => boolean) | undefined;
}

export class PeerWatermarks {
  /** listenerId -> user -> newest block time delivered. */
  private readonly newest = new Map<string, Map<string, number>>();
  /** The map of the last listener observed: frames come in batches from one listener. */
  private lastId: string | null = null;
  private lastMap: Map<string, number> | null = null;

  constructor(private readonly o: PeerWatermarksOptions) {}

  /** Records a user-stream delivery (first arrival or copy). */
  observe(f: FillEvent): void {
    const id = f.source.listenerId;
    let m = this.lastId === id ? this.lastMap : this.newest.get(id);
    if (!m) this.newest.set(id, (m = new Map()));
    this.lastId = id;
    this.lastMap = m;
    const t = m.get(f.user);
    if (t === undefined || f.time > t) m.set(f.user, f.time);
  }

  /** The newest block time `listenerId` delivered for `user` (-Infinity: none yet). */
  newestOf(listenerId: string, user: string): number {
    return this.newest.get(listenerId)?.get(user) ?? -Infinity;
  }

  /**
   * The user-stream peer a market-stream first arrival `f` for `influencerId` must wait for,
   * or null: no user-stream peer, the peer is not live, or it already reached `f`'s block.
   */
  waitFor(influencerId: string, f: FillEvent): PeerWait | null {
    const peers = this.o.expectedListeners?.(influencerId);
    if (!peers) return null;
    for (const p of peers) {
      if (p.kind !== 'user-stream' || p.listenerId === f.source.listenerId) continue;
      if (this.newestOf(p.listenerId, f.user) >= f.time) continue;
      if (this.o.isLive && !this.o.isLive(p.listenerId)) continue;
      return { listenerId: p.listenerId, user: f.user, time: f.time };
    }
    return null;
  }

  reached(w: PeerWait): boolean {
    return this.newestOf(w.listenerId, w.user) >= w.time;
  }
}
