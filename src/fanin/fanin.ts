/**
 * The de-duplicating fan-in. Every listener (primary/secondary, user-stream/market-stream,
 * live/snapshot/backfill) pushes FillEvents here; each fill leaves once, per influencer that
 * tracks its user, ordered per (influencer, market) and through one serial writer per key.
 *
 * Dedup: keyed by the event id (identical whichever path delivered it); the first arrival
 * wins, later copies are suppressed and counted per listener, and the lead of the first
 * over a later copy is measured. Snapshots are deduplicated like live fills, never skipped.
 * A later copy carrying startPosition replaces a held copy without it (a market-stream copy
 * arrived first) while its block is still pending, so positions get the richer fill.
 *
 * Latency-first (`reorderWindowMs` 0, the default): a block leaves as soon as it is admitted;
 * only a key with evidence of a gap or disorder is held, for at most `gapHoldMs`
 * (reorder-buffer.ts says what counts as evidence), or a key whose market-stream fill is
 * ahead of the influencer's live user-stream listener (peer-watermarks.ts).
 *
 * Window rule (`reorderWindowMs` > 0, per key = influencer + coin): a fill is held in its block
 * (same block time) for `reorderWindowMs` from the block's first arrival. When a block's window has passed it
 * is released together with every earlier pending block of that key, in block-time order,
 * each block internally in canonical order (block-order.ts). A fill whose block time is at or
 * before the newest block already released for its key is emitted at once, flagged `late`,
 * after everything released before it: never dropped, never reordered into the past.
 */
import type { Address, Clock, FillEvent, Logger } from '../core/index.js';
import { StateError, errorMessage } from '../core/index.js';
import type { DedupStore } from './dedup-store.js';
import { DeliveryTracker } from '../listeners/failover/index.js';
import type { DeliveryObserver, ExpectedListener } from '../listeners/failover/index.js';
import { TypedEmitter } from '../core/index.js';
import { CONFIG_DEFAULTS } from '../config/index.js';
import type { FanInEvents } from './fanin-events.js';
import { SerialWriter } from './key-writer.js';
import { ReorderBuffer } from './reorder-buffer.js';
import type { FanInBatch, HoldReason, LateGroups } from './reorder-buffer.js';
import { PeerWatermarks } from './peer-watermarks.js';

export type { FanInBatch } from './reorder-buffer.js';

export interface FanInOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dedup: DedupStore;
  /** Influencer ids tracking this address; [] means nobody does (the fill is counted as unroutable). */
  readonly resolveInfluencers: (user: Address) => readonly string[];
  /** Downstream, called serially per (influencer, coin). */
  readonly deliver: (batch: FanInBatch) => void | Promise<void>;
  /** Reorder window per block; 0 is latency-first (config `fanin.reorderWindowMs`). */
  readonly reorderWindowMs: number;
  /** Latency-first: the longest one key is held on evidence of a gap or disorder (config `fanin.gapHoldMs`). */
  readonly gapHoldMs: number;
  /** The listeners that should deliver an influencer's fills (enables miss detection). */
  readonly expectedListeners?: (influencerId: string) => readonly ExpectedListener[];
  readonly isExpectedFrom?: (listener: ExpectedListener, e: FillEvent) => boolean;
  /**
   * Whether a listener is live and healthy (failover's view: subscribed, not degraded). A
   * market-stream fill waits for its user-stream peer only while that peer is live; absent,
   * every expected peer counts as live (the wait is bounded by `gapHoldMs` anyway).
   */
  readonly isListenerLive?: (listenerId: string) => boolean;
  /** How long after a live first arrival the other listener may still deliver it (default: the schema's fanin.failoverGraceMs). */
  readonly missGraceMs?: number;
  /** Bound on events tracked for lead/lag and misses (default 100 000). */
  readonly maxTrackedDeliveries?: number;
  /** Bound on held fills; beyond it the oldest blocks are released early (default 100 000). */
  readonly maxPendingFills?: number;
  readonly observer?: DeliveryObserver;
}

export interface FanInStats {
  readonly received: number;
  readonly firstArrivals: number;
  readonly duplicates: number;
  readonly duplicatesByListener: Readonly<Record<string, number>>;
  readonly emitted: number;
  readonly late: number;
  readonly unroutable: number;
  readonly enriched: number;
  readonly pendingFills: number;
  readonly keys: number;
  /** Keys held right now on evidence of a gap or disorder (latency-first). */
  readonly heldKeys: number;
  /** Holds started so far, by reason (latency-first). */
  readonly holds: Readonly<Record<HoldReason, number>>;
  readonly deliverErrors: number;
  /** First arrivals still waiting for another listener's copy (or for their miss grace to end). */
  readonly trackedDeliveries: number;
}

export class FanIn {
  readonly events: TypedEmitter<FanInEvents>;
  private readonly o: FanInOptions;
  private readonly log: Logger;
  private readonly maxPending: number;
  private readonly tracker: DeliveryTracker;
  private readonly buffer: ReorderBuffer;
  private claimChain: Promise<void> = Promise.resolve();
  private claimsInFlight = 0;
  private timer: { cancel(): void } | null = null;
  private timerAt = Infinity;
  private idleWaiters: (() => void)[] = [];
  private closing: Promise<void> | null = null;
  private readonly c = {
    received: 0,
    firstArrivals: 0,
    duplicates: 0,
    emitted: 0,
    late: 0,
    unroutable: 0,
    enriched: 0,
    deliverErrors: 0,
  };
  private readonly dupByListener = new Map<string, number>();
  private readonly holds: Record<HoldReason, number> = { gap: 0, late: 0, peer_behind: 0 };
  private readonly peers: PeerWatermarks;

  constructor(opts: FanInOptions) {
    this.o = opts;
    this.log = opts.logger.child({ component: 'fanin' });
    this.maxPending = opts.maxPendingFills ?? 100_000;
    this.tracker = new DeliveryTracker({
      graceMs: opts.missGraceMs ?? CONFIG_DEFAULTS.fanin.failoverGraceMs,
      maxTracked: opts.maxTrackedDeliveries ?? 100_000,
      expectedListeners: opts.expectedListeners,
      isExpectedFrom: opts.isExpectedFrom,
    });
    this.peers = new PeerWatermarks({
      expectedListeners: opts.expectedListeners,
      isLive: opts.isListenerLive,
    });
    this.buffer = new ReorderBuffer({
      windowMs: opts.reorderWindowMs,
      gapHoldMs: opts.gapHoldMs,
      peerReached: (w) => this.peers.reached(w),
      onHold: (h) => {
        this.holds[h.reason]++;
        this.log.debug(
          { influencer: h.influencerId, market: h.coin, reason: h.reason },
          'key held on evidence',
        );
        this.events.emit('held', h);
      },
      makeWriter: () =>
        new SerialWriter<FanInBatch>({
          deliver: (b) => this.o.deliver(b),
          onError: (b, err) => this.deliverFailed(b, err),
          onIdle: () => this.checkIdle(),
        }),
      onBatch: (b, releasedThrough) => this.counted(b, releasedThrough),
    });
    this.events = new TypedEmitter((err, ev) =>
      this.log.error({ err, event: ev }, 'fan-in event listener threw'),
    );
  }

  /** Accepts fills from any listener. Never blocks; the shared dedup store answers asynchronously. */
  push(fills: readonly FillEvent[]): void {
    if (this.closing) throw new StateError('STATE_ILLEGAL_TRANSITION', 'fan-in is closed: push refused');
    if (fills.length === 0) return;
    const now = this.o.clock.now();
    this.c.received += fills.length;
    const routed: FillEvent[] = [];
    const routes: (readonly string[])[] = [];
    for (const f of fills) {
      const infl = this.o.resolveInfluencers(f.user);
      if (infl.length === 0) {
        this.c.unroutable++;
        if (this.events.has('unroutable')) {
          this.events.emit('unroutable', {
            eventId: f.eventId,
            user: f.user,
            listenerId: f.source.listenerId,
          });
        }
        continue;
      }
      routed.push(f);
      routes.push(infl);
    }
    if (routed.length === 0) return;
    const ids = routed.map((f) => f.eventId);
    const claimed = this.o.dedup.claim(ids, now);
    if (Array.isArray(claimed) && this.claimsInFlight === 0) {
      this.admit(routed, routes, claimed as readonly boolean[]);
      return;
    }
    // Keep admission in push order behind any claim still in flight.
    this.claimsInFlight++;
    const pending = Promise.resolve(claimed).catch((err: unknown) => {
      this.log.error({ err }, 'dedup claim failed: treating the batch as first arrivals');
      return routed.map(() => true);
    });
    this.claimChain = this.claimChain
      .then(() => pending)
      .then((res) => this.admit(routed, routes, res))
      .catch((err: unknown) => this.log.error({ err }, 'fan-in admission failed'))
      .finally(() => {
        this.claimsInFlight--;
        this.checkIdle();
      });
  }

  /** Releases every held block now (ignoring the window) and waits for every key's writer. */
  async flush(): Promise<void> {
    await this.claimChain;
    this.buffer.releaseDue(Infinity);
    await this.whenIdle();
  }

  /** Idempotent: refuses further pushes, flushes, stops timers. The dedup store stays open (its owner closes it). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      this.timer?.cancel();
      this.timer = null;
    })();
    return this.closing;
  }

  stats(): FanInStats {
    return {
      ...this.c,
      duplicatesByListener: Object.fromEntries(this.dupByListener),
      pendingFills: this.buffer.pendingFills,
      keys: this.buffer.size,
      heldKeys: this.buffer.heldKeys,
      holds: { ...this.holds },
      trackedDeliveries: this.tracker.size,
    };
  }

  private admit(
    fills: readonly FillEvent[],
    routes: readonly (readonly string[])[],
    firsts: readonly boolean[],
  ): void {
    const now = this.o.clock.now();
    const late: LateGroups = new Map();
    const latencyFirst = this.o.reorderWindowMs === 0;
    for (let i = 0; i < fills.length; i++) {
      const f = fills[i] as FillEvent;
      const kind = f.source.listenerKind;
      // Copies count too: a user-stream copy is how its listener shows it reached a block.
      if (kind === 'user-stream') this.peers.observe(f);
      if (!firsts[i]) {
        this.duplicate(f);
        continue;
      }
      this.c.firstArrivals++;
      this.o.observer?.onFirstArrival(f.source.listenerId);
      const infl = routes[i] as readonly string[];
      this.tracker.first(f, infl, now);
      for (const inf of infl) {
        const key = this.buffer.add(inf, f, now, late);
        if (key === null || kind !== 'market-stream' || !latencyFirst) continue;
        const wait = this.peers.waitFor(inf, f);
        if (wait) this.buffer.holdForPeer(key, wait, now);
      }
    }
    if (late.size > 0) this.buffer.writeLate(late);
    if (this.buffer.pendingFills > this.maxPending) {
      const blocks = this.buffer.releaseOver(this.maxPending);
      this.log.warn(
        { blocks, maxPendingFills: this.maxPending },
        'fan-in over its pending bound: released blocks early',
      );
      this.events.emit('forcedRelease', { blocks });
    }
    // Latency-first: what was just admitted leaves now unless its key is held on evidence.
    this.buffer.releaseDue(now);
    this.schedule();
  }

  private duplicate(f: FillEvent): void {
    this.c.duplicates++;
    const lid = f.source.listenerId;
    this.dupByListener.set(lid, (this.dupByListener.get(lid) ?? 0) + 1);
    if (this.events.has('duplicateSuppressed')) {
      this.events.emit('duplicateSuppressed', {
        eventId: f.eventId,
        listenerId: lid,
        delivery: f.source.delivery,
        fill: f,
      });
    }
    const obs = this.tracker.copy(f);
    if (obs) {
      this.o.observer?.onCopy(obs);
      if (this.events.has('firstDelivery')) {
        this.events.emit('firstDelivery', {
          eventId: obs.eventId,
          listenerId: obs.firstListenerId,
          otherListenerId: obs.listenerId,
          leadMs: obs.leadMs,
        });
      }
    }
    if (f.startPosition !== null && this.buffer.enrich(f)) {
      this.c.enriched++;
      this.events.emit('enriched', { eventId: f.eventId, listenerId: lid });
    }
  }

  /** Counters and events for a batch about to be written. */
  private counted(batch: FanInBatch, releasedThrough: number): void {
    this.c.emitted += batch.fills.length;
    if (batch.late) {
      for (const f of batch.fills) {
        this.c.late++;
        this.events.emit('late', {
          influencerId: batch.influencerId,
          coin: batch.coin,
          eventId: f.eventId,
          blockTime: f.time,
          releasedThrough,
        });
      }
    }
    if (this.events.has('emitted')) {
      this.events.emit('emitted', {
        influencerId: batch.influencerId,
        coin: batch.coin,
        blockTime: batch.blockTime,
        count: batch.fills.length,
        late: batch.late,
      });
    }
  }

  private deliverFailed(batch: FanInBatch, err: unknown): void {
    this.c.deliverErrors++;
    this.log.error(
      { err, influencerId: batch.influencerId, coin: batch.coin },
      'downstream failed on a fan-in batch',
    );
    this.events.emit('deliverError', {
      influencerId: batch.influencerId,
      coin: batch.coin,
      error: errorMessage(err),
    });
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = this.o.clock.now();
    this.buffer.releaseDue(now);
    this.tracker.sweep(now, (m) => {
      this.o.observer?.onMissed(m);
      this.events.emit('missed', m);
    });
    this.schedule();
  }

  private schedule(): void {
    const at = Math.min(this.buffer.nextDue(), this.tracker.nextDue() ?? Infinity);
    if (at === Infinity || at >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.o.clock.setTimeout(() => this.onTimer(), Math.max(0, at - this.o.clock.now()));
  }

  private whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.claimsInFlight === 0 && this.buffer.writersIdle();
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}
