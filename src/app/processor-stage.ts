/**
 * The processor stage: consumes the hand-off (HandoffSource) and runs fan-in -> positions.
 * Fills records go through the de-duplicating fan-in into the position engine, whose signals
 * leave through the signal-delivery stage; positions records reconcile the engine once the
 * fills up to the snapshot have had their chance to pass the reorder and settle windows.
 * Deliveries of a durable hand-off are acknowledged through DeliveryAcks once what they
 * carried is settled; in-process deliveries (no-op ack) skip that bookkeeping entirely.
 */
import type { Address, Clock, Decimal, FillEvent, Logger, TimerHandle } from '../core/index.js';
import { dec } from '../core/index.js';
import type { ServiceConfig } from '../config/index.js';
import type { DedupStore, FanInBatch, FanInOptions } from '../fanin/index.js';
import { FanIn } from '../fanin/index.js';
import type { HandoffDelivery, HandoffPositions, HandoffSource } from '../handoff/index.js';
import { isNoopAck } from '../handoff/index.js';
import type { Influencer } from '../influencers/index.js';
import type { CursorStore, FillHistory, PositionSnapshot, PositionSource } from '../positions/index.js';
import { PositionEngine } from '../positions/index.js';
import type { DeliveryAcks, TrackedDelivery } from './delivery-acks.js';
import type { SignalDelivery } from './signal-delivery.js';
import { ListenerLiveness } from './listener-liveness.js';

/** The origin of a durable delivery that names none (a test's wrapped source): one generation. */
const NO_ORIGIN = { partition: -1, generation: 0 } as const;

/** Extra wait before a position-feed snapshot is compared, beyond reorder + settle windows. */
const RECONCILE_MARGIN_MS = 2000;

/** How fills find their influencers, and (with listeners in this process) who should deliver them. */
export type FanInRouting = Pick<
  FanInOptions,
  'resolveInfluencers' | 'observer' | 'expectedListeners' | 'isExpectedFrom' | 'isListenerLive'
>;

export interface ProcessorStageOptions {
  readonly config: ServiceConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dedup: DedupStore;
  /** The ack-gated cursor store (see delivery-acks.ts for why it must be). */
  readonly cursors: CursorStore;
  readonly fillHistory: FillHistory;
  readonly positionSource: PositionSource;
  readonly delivery: SignalDelivery;
  readonly influencer: (id: string) => Influencer | undefined;
  readonly routing: FanInRouting;
  /** Null when every delivery is in-process (nothing to commit). */
  readonly acks: DeliveryAcks | null;
  /**
   * Distributed processor: the listener processes' `listener-state` interval; the degraded flag
   * then follows their published states (ListenerLiveness). Absent in role `all`, where the
   * listener stage sets it from coverage directly.
   */
  readonly listenerStateIntervalMs?: number | undefined;
}

export class ProcessorStage {
  readonly fanIn: FanIn;
  readonly engine: PositionEngine;
  private readonly pendingReconciles = new Set<TimerHandle>();
  /**
   * The snapshots waiting for their reconcile, by copy key (see copyKey), so the other
   * listener's copy of the same snapshot joins the one already waiting instead of scheduling a
   * second reconcile: half the timers and held snapshots at a steady position feed, and these
   * live for the whole delay, so each one was copied by every young-generation GC meanwhile.
   */
  private readonly waitingSnapshots = new Map<string, Readonly<Record<string, string>>>();
  /** Influencer -> the partition generation its records last came from (durable hand-off). */
  private readonly origins = new Map<string, string>();
  /** Durable hand-off: the exchange's positions taken at admit, by user, for every later seed. */
  private readonly admitSnapshots = new Map<string, Promise<PositionSnapshot>>();
  /** Users whose (re-)seed is running: their engine seed takes the admit-time snapshot. */
  private readonly seeding = new Set<string>();
  private readonly reconcileDelayMs: number;
  private closed = false;
  private readonly liveness: ListenerLiveness | null;
  private livenessTimer: TimerHandle | null = null;
  /** Fills that arrived after the fan-in closed during shutdown (not processed). */
  lateFills = 0;

  constructor(private readonly o: ProcessorStageOptions) {
    const { config, clock, logger, delivery, acks } = o;
    this.liveness =
      o.listenerStateIntervalMs === undefined
        ? null
        : new ListenerLiveness({
            clock,
            intervalMs: o.listenerStateIntervalMs,
            onChange: (id, degraded) => {
              this.engine.setDegraded(id, degraded);
              logger.info({ influencerId: id, degraded }, 'listener coverage of influencer changed');
            },
          });
    this.engine = new PositionEngine({
      logger,
      clock,
      fillHistory: o.fillHistory,
      positionSource: { positions: (user) => this.seedSnapshot(user) },
      cursorStore: o.cursors,
      publish: (signal) => delivery.publish(signal),
      mode: config.positions.aggregation,
      settleMs: config.positions.settleWindowMs,
      signalClasses: config.positions.marketClasses,
      signalClassesFor: (id) => o.influencer(id)?.signal.marketClasses,
      modeFor: (id) => o.influencer(id)?.signal.aggregation,
    });
    this.engine.events.on('signal', (s) => delivery.derived(s));
    this.engine.events.on('unsignalled', (e) => delivery.unsignalled(e.eventIds));
    this.fanIn = new FanIn({
      clock,
      logger,
      dedup: o.dedup,
      ...o.routing,
      deliver: (batch) => this.deliver(batch),
      reorderWindowMs: config.fanin.reorderWindowMs,
      gapHoldMs: config.fanin.gapHoldMs,
      missGraceMs: config.fanin.failoverGraceMs,
    });
    // The engine itself skips a snapshot older than fills it already applied.
    this.reconcileDelayMs =
      Math.max(config.fanin.reorderWindowMs, config.fanin.gapHoldMs) +
      config.positions.settleWindowMs +
      RECONCILE_MARGIN_MS;
    this.fanIn.events.on('duplicateSuppressed', (e) => delivery.duplicate(e.fill));
    if (acks) {
      this.fanIn.events.on('duplicateSuppressed', (e) => acks.copyDone(e.eventId, e.listenerId));
      this.fanIn.events.on('unroutable', (e) => acks.copyDone(e.eventId, e.listenerId));
      this.engine.events.on('absorbed', (e) => acks.absorbed(e.influencerId, e.market, e.eventId));
    }
  }

  /** Starts consuming the hand-off. */
  start(source: HandoffSource): Promise<void> {
    const interval = this.o.listenerStateIntervalMs;
    if (this.liveness && interval !== undefined && !this.livenessTimer)
      this.livenessTimer = this.o.clock.setInterval(() => this.liveness?.sweep(), interval);
    return source.start((d) => this.onDelivery(d));
  }

  /**
   * Seeds an influencer's positions (cursor, else the exchange's snapshot). Behind a durable
   * hand-off the seed waits for the influencer's first record (noteOrigin): only then is this
   * processor its owner, and a seed taken earlier would race the one taken there.
   */
  admit(id: string, address: Address): Promise<void> {
    if (this.o.acks) {
      // The seed's base is the exchange's positions now, at start-up, as before: fills since
      // then that the previous owner never got acknowledged are still in the bronze topic (or
      // the repair finds them), while a snapshot taken later would hide them (a lost signal).
      const snap = this.o.positionSource.positions(address);
      snap.catch(() => undefined); // a failed fetch is retried by the seed itself
      this.admitSnapshots.set(address, snap);
      return Promise.resolve();
    }
    return this.engine.admit(id, address);
  }

  /** Forgets an influencer's positions (removed, disabled or moved to another address). */
  remove(id: string): void {
    this.engine.remove(id);
    this.o.acks?.influencerRemoved(id);
    this.origins.delete(id);
    this.liveness?.forget(id);
  }

  /** Flags an influencer's signals while one of its listeners is degraded. */
  setDegraded(id: string, degraded: boolean): void {
    this.engine.setDegraded(id, degraded);
  }

  /** Stops taking deliveries; the fan-in releases held blocks, the engine closes open blocks and emits. */
  async drainFanIn(): Promise<void> {
    this.closed = true;
    this.livenessTimer?.cancel();
    this.livenessTimer = null;
    for (const t of this.pendingReconciles) t.cancel();
    this.pendingReconciles.clear();
    this.waitingSnapshots.clear();
    await this.fanIn.close();
  }

  async closePositions(): Promise<void> {
    this.engine.flush();
    await this.engine.idle();
    await this.engine.close();
  }

  private onDelivery(d: HandoffDelivery): void {
    const acks = this.o.acks;
    const tracked = acks && !isNoopAck(d) ? acks.begin(() => d.ack()) : null;
    for (const r of d.records) {
      if (acks && !this.closed) this.noteOrigin(r.influencerId, d.origin ?? NO_ORIGIN);
      if (r.kind === 'fills') this.onFills(r.fills, tracked);
      else if (r.kind === 'positions') this.onPositions(r, tracked);
      else this.liveness?.observe(r);
    }
    if (tracked) acks?.handedIn(tracked);
  }

  /**
   * The first record of an influencer from a partition generation it has not come from before
   * means this processor (re)gained its partition. Its positions here may be stale (seeded at
   * start-up, or left from an earlier ownership) while the previous owner published on and
   * persisted its cursors (ack-gated, so a cursor is exactly what was published). Re-seed it
   * from the cursor store before its fills reach the engine, which buffers them meanwhile:
   * otherwise the next fill finds a gap, the repair re-derives every signal since the stale
   * state, and a clean hand-over repeats signalIds.
   */
  private noteOrigin(id: string, origin: NonNullable<HandoffDelivery['origin']>): void {
    const key = `${origin.partition}:${origin.generation}`;
    if (this.origins.get(id) === key) return;
    const regained = this.origins.has(id);
    this.origins.set(id, key);
    const inf = this.o.influencer(id);
    if (!inf) return;
    if (regained) {
      this.engine.remove(id);
      this.o.acks?.influencerRemoved(id);
    }
    this.seeding.add(inf.address);
    this.engine
      .admit(id, inf.address)
      .catch((err: unknown) => {
        // The engine reports it (`error` event) and keeps the fills buffered for a later admit.
        this.o.logger.warn({ err, influencerId: id }, 're-seed on partition gain failed');
      })
      .finally(() => this.seeding.delete(inf.address));
  }

  /** A seed behind a durable hand-off starts from the admit-time snapshot; repairs ask afresh. */
  private async seedSnapshot(user: string): Promise<PositionSnapshot> {
    const kept = this.seeding.has(user) ? this.admitSnapshots.get(user) : undefined;
    if (kept) {
      try {
        return await kept;
      } catch {
        this.admitSnapshots.delete(user);
      }
    }
    return this.o.positionSource.positions(user);
  }

  private onFills(fills: readonly FillEvent[], tracked: TrackedDelivery | null): void {
    if (this.closed) {
      // A frame already read when the listeners closed: the fan-in has drained and takes no
      // more. Counted in the `stopped` line; the next start backfills from the cursors.
      this.lateFills += fills.length;
      return;
    }
    if (tracked) this.o.acks?.claim(tracked, fills);
    this.o.delivery.received(fills);
    this.fanIn.push(fills);
  }

  private onPositions(r: HandoffPositions, tracked: TrackedDelivery | null): void {
    if (this.closed) return;
    const key = copyKey(r);
    const waiting = this.waitingSnapshots.get(key);
    // The same snapshot (same as-of time and positions) from the other listener: the reconcile
    // already scheduled compares it. Nothing to hold either: both copies share the influencer's
    // partition, and the first one, earlier in it, holds the offset back until that reconcile.
    if (waiting !== undefined && samePositions(waiting, r.positions)) return;
    if (waiting === undefined) this.waitingSnapshots.set(key, r.positions);
    const snap = snapshotOf(r);
    if (tracked) this.o.acks?.hold(tracked);
    const timer = this.o.clock.setTimeout(() => {
      this.pendingReconciles.delete(timer);
      if (this.waitingSnapshots.get(key) === r.positions) this.waitingSnapshots.delete(key);
      if (this.closed) return;
      this.engine.reconcile(r.influencerId, snap);
      if (tracked) this.o.acks?.release(tracked);
    }, this.reconcileDelayMs);
    this.pendingReconciles.add(timer);
  }

  private deliver(batch: FanInBatch): void {
    this.o.delivery.leftFanIn(batch.fills);
    this.o.acks?.reachedEngine(batch.influencerId, batch.coin, batch.fills);
    this.engine.ingestBlock(batch.influencerId, batch.fills);
  }
}

/** One snapshot of one account's positions, whichever listener delivered it. */
function copyKey(r: HandoffPositions): string {
  return `${r.influencerId}\u0000${r.user}\u0000${r.time}\u0000${r.dexes === undefined ? '*' : r.dexes.join(',')}`;
}

function samePositions(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  let n = 0;
  for (const coin in a) {
    if (a[coin] !== b[coin]) return false;
    n++;
  }
  return n === Object.keys(b).length;
}

function snapshotOf(r: HandoffPositions): PositionSnapshot {
  const positions = new Map<string, Decimal>();
  for (const [coin, szi] of Object.entries(r.positions)) positions.set(coin, dec(szi));
  return { positions, time: r.time, ...(r.dexes === undefined ? {} : { dexes: r.dexes }) };
}
