/**
 * When a hand-off delivery may be acknowledged (so a Kafka adapter may commit its offsets):
 * once every fill copy it carried is settled. A copy settles when
 *  - the fan-in suppressed it as a duplicate (the first copy sits at an earlier offset of the
 *    same partition, so its own delivery gates the commit), or found no influencer for it;
 *  - or its fill was processed by the position engine and the cursor of its (influencer,
 *    market) covering it was persisted. The cursor store is ack-gated (ack-gated-cursors.ts):
 *    a cursor reaches the store only once every signal derived up to it was acknowledged by
 *    the signal sink, so "cursor persisted" is exactly "its signals are safe" (and also covers
 *    fills that derive no signal: net-zero blocks, filtered markets);
 *  - or the engine dropped the fill (`absorbed`), or its influencer was removed.
 * Positions records settle when their reconcile has run. A delivery whose fills never settle
 * (a publish that failed for good freezes the cursor) is never acknowledged: its offsets are
 * re-read by the next owner, which is the point.
 *
 * The in-process hand-off does not use this (its ack is a no-op), so role `all` pays nothing.
 */
import type { FillEvent } from '../core/index.js';
import type { Cursor } from '../positions/index.js';

interface Tracked {
  /** Claims not yet settled, plus one while the delivery is still being handed in. */
  open: number;
  readonly ack: () => void;
}

interface Claim {
  readonly delivery: Tracked;
  readonly listenerId: string;
  settled: boolean;
}

interface AtEngine {
  readonly eventId: string;
  readonly time: number;
}

export class DeliveryAcks {
  /** eventId -> copies of that fill still open, in arrival order. */
  private readonly claims = new Map<string, Claim[]>();
  /** `influencer|market` -> fills handed to the engine and not yet covered by a persisted cursor. */
  private readonly atEngine = new Map<string, AtEngine[]>();
  private acked = 0;

  /** Deliveries acknowledged so far. */
  get acknowledged(): number {
    return this.acked;
  }

  /** Deliveries with unsettled records. */
  get pending(): number {
    const open = new Set<Tracked>();
    for (const list of this.claims.values()) for (const c of list) open.add(c.delivery);
    return open.size;
  }

  /** Starts tracking a delivery; call `handedIn` once all its records were passed on. */
  begin(ack: () => void): Tracked {
    return { open: 1, ack };
  }

  /** The copies of these fills are claims of `d` (call before the fan-in sees them). */
  claim(d: Tracked, fills: readonly FillEvent[]): void {
    for (const f of fills) {
      let list = this.claims.get(f.eventId);
      if (!list) this.claims.set(f.eventId, (list = []));
      list.push({ delivery: d, listenerId: f.source.listenerId, settled: false });
      d.open++;
    }
  }

  /** Holds `d` open until `release` (a positions record waiting for its reconcile). */
  hold(d: Tracked): void {
    d.open++;
  }

  release(d: Tracked): void {
    this.decrement(d);
  }

  /** Every record of `d` has been passed on. */
  handedIn(d: Tracked): void {
    this.decrement(d);
  }

  /** The fan-in suppressed (or could not route) this copy: nothing more will come of it. */
  copyDone(eventId: string, listenerId: string): void {
    const list = this.claims.get(eventId);
    if (!list) return;
    const i = list.findIndex((c) => c.listenerId === listenerId);
    const claim = list[i];
    if (!claim) return;
    list.splice(i, 1);
    if (list.length === 0) this.claims.delete(eventId);
    this.settleClaim(claim);
  }

  /** A fan-in batch reached the engine for `influencerId`. */
  reachedEngine(influencerId: string, coin: string, fills: readonly FillEvent[]): void {
    const key = `${influencerId}|${coin}`;
    let list = this.atEngine.get(key);
    if (!list) this.atEngine.set(key, (list = []));
    for (const f of fills) list.push({ eventId: f.eventId, time: f.time });
  }

  /** The ack-gated cursor store persisted `cursor`: the fills it covers are settled. */
  cursorPersisted(influencerId: string, market: string, cursor: Cursor): void {
    const key = `${influencerId}|${market}`;
    const list = this.atEngine.get(key);
    if (!list) return;
    const atTime = new Set(cursor.eventIdsAtTime);
    const rest: AtEngine[] = [];
    for (const e of list) {
      if (e.time < cursor.time || (e.time === cursor.time && atTime.has(e.eventId)))
        this.settleFill(e.eventId);
      else rest.push(e);
    }
    if (rest.length === 0) this.atEngine.delete(key);
    else this.atEngine.set(key, rest);
  }

  /** The engine dropped this fill without a signal. */
  absorbed(influencerId: string, market: string, eventId: string): void {
    const key = `${influencerId}|${market}`;
    const list = this.atEngine.get(key);
    if (list) {
      const rest = list.filter((e) => e.eventId !== eventId);
      if (rest.length === 0) this.atEngine.delete(key);
      else this.atEngine.set(key, rest);
    }
    this.settleFill(eventId);
  }

  /** The influencer is followed no more: what it held in the engine is settled. */
  influencerRemoved(influencerId: string): void {
    const prefix = `${influencerId}|`;
    for (const [key, list] of this.atEngine) {
      if (!key.startsWith(prefix)) continue;
      this.atEngine.delete(key);
      for (const e of list) this.settleFill(e.eventId);
    }
  }

  private settleFill(eventId: string): void {
    const list = this.claims.get(eventId);
    if (!list) return;
    this.claims.delete(eventId);
    for (const c of list) this.settleClaim(c);
  }

  private settleClaim(c: Claim): void {
    if (c.settled) return;
    c.settled = true;
    this.decrement(c.delivery);
  }

  private decrement(d: Tracked): void {
    d.open--;
    if (d.open === 0) {
      this.acked++;
      d.ack();
    }
  }
}

export type { Tracked as TrackedDelivery };
