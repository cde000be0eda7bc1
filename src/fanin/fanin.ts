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
 * Ordering rule (per key = influencer + coin): a fill is held in its block (same block time)
 * for `reorderWindowMs` from the block's first arrival. When a block's window has passed it
 * is released together with every earlier pending block of that key, in block-time order,
 * each block internally in canonical order (block-order.ts). A fill whose block time is at or
 * before the newest block already released for its key is emitted at once, flagged `late`,
 * after everything released before it: never dropped, never reordered into the past.
 */
import type { Address, Clock, FillEvent, Logger } from '../core/index.js';
import { StateError, errorMessage } from '../core/index.js';
import { orderBlock } from './block-order.js';
import type { DedupStore } from './dedup-store.js';
import { DeliveryTracker } from './delivery-tracker.js';
import type { DeliveryObserver, ExpectedListener } from './delivery-tracker.js';
import { TypedEmitter } from './emitter.js';
import type { FanInEvents } from './fanin-events.js';
import { SerialWriter } from './key-writer.js';

export interface FanInBatch {
  readonly influencerId: string;
  readonly coin: string;
  readonly blockTime: number;
  readonly fills: readonly FillEvent[];
  /** Arrived after its block (or a later block of the key) had been released. */
  readonly late: boolean;
}

export interface FanInOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dedup: DedupStore;
  /** Influencer ids tracking this address; [] means nobody does (the fill is counted as unroutable). */
  readonly resolveInfluencers: (user: Address) => readonly string[];
  /** Downstream, called serially per (influencer, coin). */
  readonly deliver: (batch: FanInBatch) => void | Promise<void>;
  /** Reorder window per block (default 100 ms). */
  readonly reorderWindowMs?: number;
  /** The listeners that should deliver an influencer's fills (enables miss detection). */
  readonly expectedListeners?: (influencerId: string) => readonly ExpectedListener[];
  readonly isExpectedFrom?: (listener: ExpectedListener, e: FillEvent) => boolean;
  /** How long after a live first arrival the other listener may still deliver it (default 5000 ms). */
  readonly missGraceMs?: number;
  /** Bound on events tracked for lead/lag and misses (default 100 000). */
  readonly maxTrackedDeliveries?: number;
  /** Bound on held fills; beyond it the oldest blocks are released early (default 100 000). */
  readonly maxPendingFills?: number;
  readonly observer?: DeliveryObserver;
}

interface Block {
  readonly key: KeyState;
  readonly time: number;
  readonly due: number;
  readonly fills: FillEvent[];
  released: boolean;
}

interface KeyState {
  readonly influencerId: string;
  readonly coin: string;
  readonly pending: Map<number, Block>;
  releasedThrough: number;
  readonly lastByUser: Map<string, FillEvent>;
  readonly writer: SerialWriter<FanInBatch>;
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
  readonly deliverErrors: number;
}

const byTime = (a: Block, b: Block): number => a.time - b.time;

export class FanIn {
  readonly events: TypedEmitter<FanInEvents>;
  private readonly o: FanInOptions;
  private readonly log: Logger;
  private readonly windowMs: number;
  private readonly maxPending: number;
  private readonly tracker: DeliveryTracker;
  /** influencerId -> coin -> state (nested, so the hot path builds no composite key strings). */
  private readonly keys = new Map<string, Map<string, KeyState>>();
  private keyCount = 0;
  private readonly dueQueue: Block[] = [];
  private dueHead = 0;
  /** Held fills without startPosition, by event id, so a richer copy can replace them. */
  private readonly enrichable = new Map<string, Block[]>();
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
    pendingFills: 0,
    deliverErrors: 0,
  };
  private readonly dupByListener = new Map<string, number>();

  constructor(opts: FanInOptions) {
    this.o = opts;
    this.log = opts.logger.child({ component: 'fanin' });
    this.windowMs = opts.reorderWindowMs ?? 100;
    this.maxPending = opts.maxPendingFills ?? 100_000;
    this.tracker = new DeliveryTracker({
      graceMs: opts.missGraceMs ?? 5000,
      maxTracked: opts.maxTrackedDeliveries ?? 100_000,
      expectedListeners: opts.expectedListeners,
      isExpectedFrom: opts.isExpectedFrom,
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
    this.releaseDue(Infinity);
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
      keys: this.keyCount,
    };
  }

  private admit(
    fills: readonly FillEvent[],
    routes: readonly (readonly string[])[],
    firsts: readonly boolean[],
  ): void {
    const now = this.o.clock.now();
    let lateBatches: Map<string, { key: KeyState; fills: FillEvent[] }> | null = null;
    for (let i = 0; i < fills.length; i++) {
      const f = fills[i] as FillEvent;
      if (!firsts[i]) {
        this.duplicate(f);
        continue;
      }
      this.c.firstArrivals++;
      this.o.observer?.onFirstArrival(f.source.listenerId);
      const infl = routes[i] as readonly string[];
      this.tracker.first(f, infl, now);
      for (const inf of infl) {
        const key = this.keyState(inf, f.coin);
        if (f.time <= key.releasedThrough) {
          lateBatches ??= new Map();
          const k = `${inf}\u0001${f.coin}\u0001${f.time}`;
          const lb = lateBatches.get(k);
          if (lb) lb.fills.push(f);
          else lateBatches.set(k, { key, fills: [f] });
          continue;
        }
        this.hold(key, f, now);
      }
    }
    if (lateBatches) for (const lb of lateBatches.values()) this.emitLate(lb.key, lb.fills);
    if (this.c.pendingFills > this.maxPending) this.forceRelease();
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
    if (f.startPosition !== null) this.enrich(f);
  }

  private enrich(f: FillEvent): void {
    const blocks = this.enrichable.get(f.eventId);
    if (!blocks) return;
    this.enrichable.delete(f.eventId);
    for (const b of blocks) {
      const i = b.fills.findIndex((x) => x.eventId === f.eventId);
      if (i >= 0 && !b.released) b.fills[i] = f;
    }
    this.c.enriched++;
    this.events.emit('enriched', { eventId: f.eventId, listenerId: f.source.listenerId });
  }

  private keyState(influencerId: string, coin: string): KeyState {
    let byCoin = this.keys.get(influencerId);
    if (!byCoin) {
      byCoin = new Map();
      this.keys.set(influencerId, byCoin);
    }
    let s = byCoin.get(coin);
    if (!s) {
      const state: KeyState = {
        influencerId,
        coin,
        pending: new Map(),
        releasedThrough: -Infinity,
        lastByUser: new Map(),
        writer: new SerialWriter<FanInBatch>({
          deliver: (b) => this.o.deliver(b),
          onError: (b, err) => this.deliverFailed(b, err),
          onIdle: () => this.checkIdle(),
        }),
      };
      s = state;
      byCoin.set(coin, s);
      this.keyCount++;
    }
    return s;
  }

  private hold(key: KeyState, f: FillEvent, now: number): void {
    let b = key.pending.get(f.time);
    if (!b) {
      b = { key, time: f.time, due: now + this.windowMs, fills: [], released: false };
      key.pending.set(f.time, b);
      this.dueQueue.push(b);
    }
    b.fills.push(f);
    this.c.pendingFills++;
    if (f.startPosition === null) {
      const l = this.enrichable.get(f.eventId);
      if (l) l.push(b);
      else this.enrichable.set(f.eventId, [b]);
    }
  }

  private emitLate(key: KeyState, fills: FillEvent[]): void {
    const ordered = orderBlock(fills, (u) => key.lastByUser.get(u));
    for (const f of ordered) {
      this.c.late++;
      this.events.emit('late', {
        influencerId: key.influencerId,
        coin: key.coin,
        eventId: f.eventId,
        blockTime: f.time,
        releasedThrough: key.releasedThrough,
      });
    }
    this.write(key, {
      influencerId: key.influencerId,
      coin: key.coin,
      blockTime: fills[0]?.time ?? 0,
      fills: ordered,
      late: true,
    });
  }

  /** Releases `block` and every earlier pending block of its key, in block-time order. */
  private releaseThrough(key: KeyState, through: number): void {
    let ready: Block[];
    if (key.pending.size === 1) {
      ready = [...key.pending.values()]; // the common case: nothing to sort
    } else {
      ready = [];
      for (const b of key.pending.values()) if (b.time <= through) ready.push(b);
      ready.sort(byTime);
    }
    for (const b of ready) {
      key.pending.delete(b.time);
      b.released = true;
      this.c.pendingFills -= b.fills.length;
      for (const f of b.fills) if (f.startPosition === null) this.enrichable.delete(f.eventId);
      const ordered = orderBlock(b.fills, (u) => key.lastByUser.get(u));
      for (const f of ordered) key.lastByUser.set(f.user, f);
      if (b.time > key.releasedThrough) key.releasedThrough = b.time;
      this.write(key, {
        influencerId: key.influencerId,
        coin: key.coin,
        blockTime: b.time,
        fills: ordered,
        late: false,
      });
    }
  }

  private write(key: KeyState, batch: FanInBatch): void {
    this.c.emitted += batch.fills.length;
    if (this.events.has('emitted')) {
      this.events.emit('emitted', {
        influencerId: batch.influencerId,
        coin: batch.coin,
        blockTime: batch.blockTime,
        count: batch.fills.length,
        late: batch.late,
      });
    }
    key.writer.write(batch);
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

  private releaseDue(now: number): void {
    while (this.dueHead < this.dueQueue.length) {
      const b = this.dueQueue[this.dueHead] as Block;
      if (b.due > now) break;
      this.dueQueue[this.dueHead++] = undefined as unknown as Block;
      if (!b.released) this.releaseThrough(b.key, b.time);
    }
    if (this.dueHead > 1024 && this.dueHead * 2 > this.dueQueue.length) {
      this.dueQueue.splice(0, this.dueHead);
      this.dueHead = 0;
    }
  }

  private forceRelease(): void {
    let n = 0;
    while (this.c.pendingFills > this.maxPending && this.dueHead < this.dueQueue.length) {
      const b = this.dueQueue[this.dueHead++] as Block;
      if (!b.released) {
        this.releaseThrough(b.key, b.time);
        n++;
      }
    }
    this.log.warn(
      { blocks: n, maxPendingFills: this.maxPending },
      'fan-in over its pending bound: released blocks early',
    );
    this.events.emit('forcedRelease', { blocks: n });
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = this.o.clock.now();
    this.releaseDue(now);
    this.tracker.sweep(now, (m) => {
      this.o.observer?.onMissed(m);
      this.events.emit('missed', m);
    });
    this.schedule();
  }

  private schedule(): void {
    while (this.dueHead < this.dueQueue.length && (this.dueQueue[this.dueHead] as Block).released) {
      this.dueQueue[this.dueHead++] = undefined as unknown as Block;
    }
    const nextBlock =
      this.dueHead < this.dueQueue.length ? (this.dueQueue[this.dueHead] as Block).due : Infinity;
    const at = Math.min(nextBlock, this.tracker.nextDue() ?? Infinity);
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
    if (this.claimsInFlight > 0) return false;
    for (const byCoin of this.keys.values())
      for (const k of byCoin.values()) if (!k.writer.idle) return false;
    return true;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}
