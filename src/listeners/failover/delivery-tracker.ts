/**
 * Tracks, per event, which listener delivered it first and which expected listeners have
 * not delivered it yet. Feeds lead/lag (a later copy's receivedAt minus the first one's) and
 * "missed" reports (an expected listener that had not delivered the event `graceMs` after
 * the first live arrival). Bounded: entries leave when every expected listener has
 * delivered (with none known: at the first live copy from another listener), when the grace
 * period ends, or oldest-first beyond `maxTracked`.
 *
 * Only live first arrivals are tracked: a snapshot or backfill arriving first says nothing
 * about which listener is faster. Which listeners should see an event is the caller's
 * knowledge (`expectedListeners`); by default a market-stream listener is not expected to
 * deliver fills the public `trades` feed never carries (no tid, settlements, dust, vault
 * netting), so those never count as missed.
 */
import { FifoMap } from '../../core/index.js';
import type { FillEvent, ListenerKind } from '../../core/index.js';

export interface ExpectedListener {
  readonly listenerId: string;
  readonly kind: ListenerKind;
}

/** `dir` values of fills that are not matches on the order book (docs/hyperliquid-protocol.md §3.2, §3.5). */
const NON_TRADE_DIRS = new Set(['Settlement', 'Spot Dust Conversion', 'Net Child Vaults']);

export function defaultIsExpectedFrom(listener: ExpectedListener, e: FillEvent): boolean {
  if (listener.kind === 'user-stream') return true;
  if (e.tid === null || e.tid === 0) return false;
  return e.dir === null || !NON_TRADE_DIRS.has(e.dir);
}

export interface CopyObservation {
  readonly eventId: string;
  readonly firstListenerId: string;
  readonly listenerId: string;
  /** How much earlier the first listener received it (ms, >= 0 normally). */
  readonly leadMs: number;
}

export interface MissObservation {
  readonly eventId: string;
  readonly influencerId: string;
  readonly listenerId: string;
  readonly deliveredBy: string;
  readonly graceMs: number;
}

/** Health hooks the fan-in calls (ListenerHealth implements this). */
export interface DeliveryObserver {
  onFirstArrival(listenerId: string): void;
  onCopy(c: CopyObservation): void;
  onMissed(m: MissObservation): void;
}

interface Entry {
  readonly firstListenerId: string;
  readonly firstReceivedAt: number;
  readonly trackedAt: number;
  /**
   * Expected listeners still owing the event and the influencer each serves, as flat pairs
   * `[listenerId, influencerId, ...]` (null: none known). Usually one pair (the other listener
   * of a dual pair): a small array per event instead of a Map keeps the hot path light on GC.
   */
  readonly owing: string[] | null;
  /** Listeners whose copy was already measured (lead is taken once per listener). */
  measured: string[] | null;
}

export interface DeliveryTrackerOptions {
  readonly graceMs: number;
  readonly maxTracked: number;
  readonly expectedListeners?: ((influencerId: string) => readonly ExpectedListener[]) | undefined;
  readonly isExpectedFrom?: ((listener: ExpectedListener, e: FillEvent) => boolean) | undefined;
}

/** Index of `listenerId` in a flat `[listenerId, influencerId, ...]` list, or -1. */
function pairIndex(pairs: readonly string[], listenerId: string): number {
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] === listenerId) return i;
  return -1;
}

export class DeliveryTracker {
  // In arrival order, which is due order: the oldest is read per fill (nextDue), and a plain
  // Map would walk the holes its sweeps leave at the front each time (core/fifo-map.ts).
  private readonly entries = new FifoMap<string, Entry>();
  private overflowCount = 0;
  private readonly isExpectedFrom: (listener: ExpectedListener, e: FillEvent) => boolean;

  constructor(private readonly opts: DeliveryTrackerOptions) {
    this.isExpectedFrom = opts.isExpectedFrom ?? defaultIsExpectedFrom;
  }

  get size(): number {
    return this.entries.size;
  }

  get overflows(): number {
    return this.overflowCount;
  }

  first(e: FillEvent, influencerIds: readonly string[], now: number): void {
    if (e.source.delivery !== 'live') return;
    let owing: string[] | null = null;
    if (this.opts.expectedListeners) {
      for (const inf of influencerIds) {
        for (const l of this.opts.expectedListeners(inf)) {
          if (l.listenerId !== e.source.listenerId && this.isExpectedFrom(l, e)) {
            owing ??= [];
            const at = pairIndex(owing, l.listenerId);
            if (at >= 0) owing[at + 1] = inf;
            else owing.push(l.listenerId, inf);
          }
        }
      }
      if (owing === null) return; // nobody else is expected to deliver it: nothing to measure or miss
    }
    if (this.entries.size >= this.opts.maxTracked) {
      this.entries.shift();
      this.overflowCount++;
    }
    this.entries.set(e.eventId, {
      firstListenerId: e.source.listenerId,
      firstReceivedAt: e.source.receivedAt,
      trackedAt: now,
      owing,
      measured: null,
    });
  }

  /** A later copy arrived; returns the lead observation when the event is still tracked. */
  copy(e: FillEvent): CopyObservation | null {
    const entry = this.entries.get(e.eventId);
    const lid = e.source.listenerId;
    if (!entry || entry.firstListenerId === lid) return null;
    if (entry.owing) {
      const at = pairIndex(entry.owing, lid);
      if (at >= 0) entry.owing.splice(at, 2);
      if (entry.owing.length === 0) this.entries.delete(e.eventId);
    }
    // Only a live copy says how far behind its listener runs; a snapshot replay does not.
    if (e.source.delivery !== 'live' || entry.measured?.includes(lid)) return null;
    // Nobody is known to owe it (a processor process knows no listeners): the entry was kept
    // for this lead alone, and an influencer's listeners are a pair. Let it go now rather than
    // at the end of its grace: 5 s of entries outlive young GC, and the old generation pays.
    if (entry.owing === null) this.entries.delete(e.eventId);
    else (entry.measured ??= []).push(lid);
    return {
      eventId: e.eventId,
      firstListenerId: entry.firstListenerId,
      listenerId: e.source.listenerId,
      leadMs: e.source.receivedAt - entry.firstReceivedAt,
    };
  }

  /** Ends every entry whose grace has passed; calls `onMissed` for listeners still owing it. */
  sweep(now: number, onMissed: (m: MissObservation) => void): void {
    for (let id = this.entries.oldestKey(); id !== undefined; id = this.entries.oldestKey()) {
      const entry = this.entries.get(id) as Entry;
      if (entry.trackedAt + this.opts.graceMs > now) break;
      this.entries.delete(id);
      if (entry.owing === null) continue;
      for (let i = 0; i < entry.owing.length; i += 2) {
        onMissed({
          eventId: id,
          influencerId: entry.owing[i + 1] as string,
          listenerId: entry.owing[i] as string,
          deliveredBy: entry.firstListenerId,
          graceMs: this.opts.graceMs,
        });
      }
    }
  }

  /** Earliest time a sweep has work, or null. */
  nextDue(): number | null {
    const first = this.entries.oldest();
    return first === undefined ? null : first.trackedAt + this.opts.graceMs;
  }
}
