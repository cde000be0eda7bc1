/**
 * A CursorStore wrapper that never persists, and never resumes from, a cursor stamped later
 * than now + the allowed clock skew (hyperliquid.maxFutureSkewMs).
 *
 * Fills beyond that bound are dead-lettered at the boundary (protocol/fill-guard.ts), so such a
 * cursor means a bug or a cursor written by an older version before the bound existed. Once
 * stored, it would blind its (influencer, market) for good: every real fill is older, so each
 * was dropped as stale, across restarts. Writes are therefore refused (the previous cursor
 * stays: a restart replays a little more, which the dedup absorbs), and on read such a cursor
 * is ignored, so the market is seeded again from the exchange's own position snapshot.
 * Each refusal is logged and reported to `onRefused` (a metric).
 */
import type { Clock, Logger } from '../core/index.js';
import type { Cursor, CursorStore } from '../positions/index.js';

export interface TimeGuardedCursorStoreOptions {
  readonly clock: Pick<Clock, 'now'>;
  readonly logger: Logger;
  readonly maxFutureSkewMs: number;
  readonly onRefused?: (e: {
    readonly op: 'write' | 'read';
    readonly influencerId: string;
    readonly market: string;
    readonly time: number;
  }) => void;
}

export class TimeGuardedCursorStore implements CursorStore {
  private readonly log: Logger;

  constructor(
    private readonly inner: CursorStore,
    private readonly o: TimeGuardedCursorStoreOptions,
  ) {
    this.log = o.logger.child({ component: 'app.cursors' });
  }

  async get(influencerId: string, market: string): Promise<Cursor | undefined> {
    const c = await this.inner.get(influencerId, market);
    return c && this.usable('read', influencerId, market, c) ? c : undefined;
  }

  set(influencerId: string, market: string, cursor: Cursor): Promise<void> {
    if (!this.usable('write', influencerId, market, cursor)) return Promise.resolve();
    return this.inner.set(influencerId, market, cursor);
  }

  async list(influencerId: string): Promise<Map<string, Cursor>> {
    const all = await this.inner.list(influencerId);
    for (const [market, c] of all) if (!this.usable('read', influencerId, market, c)) all.delete(market);
    return all;
  }

  delete(influencerId: string): Promise<void> {
    return this.inner.delete(influencerId);
  }

  private usable(op: 'write' | 'read', influencerId: string, market: string, c: Cursor): boolean {
    const now = this.o.clock.now();
    if (c.time <= now + this.o.maxFutureSkewMs) return true;
    this.log.error(
      { op, influencer: influencerId, market, time: c.time, aheadMs: c.time - now },
      op === 'write'
        ? 'refusing to persist a cursor dated in the future; the previous cursor stays'
        : 'ignoring a stored cursor dated in the future; the market is seeded from the exchange snapshot',
    );
    this.o.onRefused?.({ op, influencerId, market, time: c.time });
    return false;
  }
}
