/**
 * PositionEngine: the positions stage of the pipeline. It admits influencers only after their
 * positions are seeded (so no false OPENs; fills that arrive meanwhile are buffered), resumes
 * from persisted cursors after a restart (backfilling the downtime), routes each ordered,
 * de-duplicated FillEvent to its (influencer, market) tracker, closes blocks on a settle
 * timer, runs gap repairs while holding later fills, and hands signals to the publisher
 * before advancing the cursor (at-least-once; deterministic ids make redelivery harmless).
 */
import {
  ZERO,
  dec,
  dexOf,
  errorMessage,
  isIngestError,
  marketClass,
  silentLogger,
  systemClock,
} from '../core/index.js';
import type { Clock, Decimal, FillEvent, Logger, MarketClass, TimerHandle } from '../core/index.js';
import { TypedEmitter } from '../core/index.js';
import type { PositionEngineEvents } from './events.js';
import type {
  Cursor,
  CursorStore,
  FillHistory,
  PositionSnapshot,
  PositionSource,
  PublishSignal,
} from './ports.js';
import { repairGap } from './repair.js';
import type { RepairDeps } from './repair.js';
import type { Signal, SignalMode } from './signal.js';
import { MarketTracker } from './tracker.js';
import type { TrackerHost } from './tracker.js';
import { resumeInfluencer } from './resume.js';
import { snapshotCovers } from './snapshot-time.js';

export interface PositionEngineOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** REST history for gap repair and resume. Without it gaps reconcile directly. */
  readonly fillHistory?: FillHistory;
  /** clearinghouseState (all dexes) for seeding and reconciliation. Without it trackers seed from their first fill. */
  readonly positionSource?: PositionSource;
  /** Persisted last-processed-fill per (influencer, market). */
  readonly cursorStore?: CursorStore;
  /** Where signals go; the cursor advances only after this resolves. */
  readonly publish?: PublishSignal;
  /** `block` (default): one signal per (influencer, market, block); `order`: per (oid, block). */
  readonly mode?: SignalMode;
  /**
   * Quiet time (ms) after a block's last fill before it is closed (config
   * `positions.settleWindowMs`). 0 is latency-first: `ingestBlock` closes the block as soon as
   * the fan-in hands it over; a fill of it that comes later yields a follow-up signal.
   */
  readonly settleMs: number;
  /** Market classes that emit signals. Default perp + hip3. Others still track positions. */
  readonly signalClasses?: readonly MarketClass[];
  /**
   * Per-influencer override of signalClasses (influencer record `signal.marketClasses`);
   * return undefined to use signalClasses. Consulted per block, so a change applies at once.
   */
  readonly signalClassesFor?: (influencerId: string) => readonly MarketClass[] | undefined;
  /** Per-influencer override of `mode` (influencer record `signal.aggregation`); undefined = `mode`. */
  readonly modeFor?: (influencerId: string) => SignalMode | undefined;
  /** Classes the PositionSource covers (clearinghouseState: perp + hip3). Default perp + hip3. */
  readonly seededClasses?: readonly MarketClass[];
  /** Fills up to this long (ms) after the seed time may already be in the seed. Default 10 000. */
  readonly seedOverlapMs?: number;
  /** Max fills buffered per influencer while it is seeding. Default 50 000. */
  readonly maxBufferedFills?: number;
}

interface Influencer {
  readonly id: string;
  readonly user: string;
  ready: boolean;
  admitting: Promise<void> | null;
  buffer: FillEvent[];
  seed: ReadonlyMap<string, Decimal>;
  seedTime: number;
  /** Oldest cursor time on a resume (null on a first start): where the downtime replay begins. */
  resumeFrom: number | null;
  degraded: boolean;
  readonly trackers: Map<string, MarketTracker>;
}

const DEFAULT_CLASSES: readonly MarketClass[] = ['perp', 'hip3'];

export class PositionEngine {
  readonly events: TypedEmitter<PositionEngineEvents>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly influencers = new Map<string, Influencer>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inflight = new Set<Promise<void>>();
  /** Cursor writes started off the per-key chain; idle() waits for them. */
  private readonly cursorWrites = new Set<Promise<void>>();
  private readonly host: TrackerHost;
  private readonly deps: RepairDeps;
  private readonly signalClasses: ReadonlySet<MarketClass>;
  private readonly seededClasses: ReadonlySet<MarketClass>;
  private closing: Promise<void> | null = null;
  private inBlock = false;

  constructor(private readonly opts: PositionEngineOptions) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'positions' });
    this.clock = opts.clock ?? systemClock;
    this.events = new TypedEmitter((err, event) =>
      this.log.error({ err, event: String(event) }, 'position event listener threw'),
    );
    this.signalClasses = new Set(opts.signalClasses ?? DEFAULT_CLASSES);
    this.seededClasses = new Set(opts.seededClasses ?? DEFAULT_CLASSES);
    const settleMs = opts.settleMs;
    const emit = this.events.emit.bind(this.events);
    this.host = {
      mode: (influencerId) => opts.modeFor?.(influencerId) ?? opts.mode ?? 'block',
      seedOverlapMs: opts.seedOverlapMs ?? 10_000,
      emits: (cls, influencerId) => {
        const own = opts.signalClassesFor?.(influencerId);
        return own === undefined ? this.signalClasses.has(cls) : own.includes(cls);
      },
      now: () => this.clock.now(),
      degraded: (id) => this.influencers.get(id)?.degraded ?? false,
      emit,
      output: (t, s) => this.output(t, s),
      persist: (t, cursor) => this.persist(t, cursor),
      // Inside ingestBlock at settle 0 the block is closed right after its last fill: no timer.
      armSettle: (t): TimerHandle | null =>
        this.inBlock && settleMs === 0
          ? null
          : this.clock.setTimeout(() => this.guard(t, () => t.closeBlock()), settleMs),
      startRepair: (t, fills) => this.startRepair(t, fills),
    };
    this.deps = {
      fillHistory: opts.fillHistory,
      positionSource: opts.positionSource,
      covered: (cls) => this.seededClasses.has(cls),
      emit,
    };
    this.events.on('dirMismatch', (e) => this.log.warn({ ...e }, 'fill dir disagrees with derived action'));
    this.events.on('unknownDir', (e) => this.log.warn({ ...e }, 'unknown fill dir'));
    this.events.on('gap', (e) =>
      this.log.warn({ ...e, expected: String(e.expected), got: String(e.got) }, 'position gap'),
    );
    this.events.on('reconcile', (e) =>
      this.log.warn({ ...e, from: String(e.from), to: String(e.to) }, 'position reconciled'),
    );
    this.events.on('error', (e) => {
      // Shutdown cancels seeding and backfills in flight: 30 000 influencers logged 30 000 of these.
      if (isIngestError(e.error) && e.error.code === 'ABORTED') return;
      this.log.error({ err: e.error, ...e.context }, 'positions error');
    });
    // Every fill dropped without a signal is logged (and counted, app/metrics-wiring.ts). A live
    // fill older than the stream is abnormal (it is how a future-dated fill blinded a stream),
    // as are the other non-dedup reasons; snapshot/backfill history older than the seed and
    // duplicates are the normal overlap and stay at debug.
    this.events.on('reconcileSkipped', (e) =>
      e.reason === 'resume-after-snapshot'
        ? this.log.info({ ...e }, 'resumed market not verified: its fills continue past the snapshot')
        : this.log.debug({ ...e }, `reconcile skipped: ${e.reason}`),
    );
    this.events.on('absorbed', (e) => {
      const normal =
        e.reason === 'duplicate' ||
        e.reason === 'seed-overlap' ||
        e.reason === 'reconciled' ||
        (e.reason === 'stale' && e.delivery !== 'live');
      if (normal) this.log.debug({ ...e }, `fill dropped: ${e.reason}`);
      else this.log.warn({ ...e }, `fill dropped: ${e.reason}`);
    });
  }

  /**
   * Seed (or resume) an influencer, then release the fills buffered meanwhile. Idempotent;
   * a failed admission rejects and can be retried by calling admit again.
   */
  admit(influencerId: string, user: string): Promise<void> {
    let inf = this.influencers.get(influencerId);
    if (!inf) {
      inf = {
        id: influencerId,
        user: user.toLowerCase(),
        ready: false,
        admitting: null,
        buffer: [],
        seed: new Map(),
        seedTime: 0,
        resumeFrom: null,
        degraded: false,
        trackers: new Map(),
      };
      this.influencers.set(influencerId, inf);
    }
    if (inf.ready) return Promise.resolve();
    if (inf.admitting) return inf.admitting;
    const i = inf;
    i.admitting = this.seed(i).then(
      () => {
        i.ready = true;
        i.admitting = null;
        const buffered = i.buffer;
        i.buffer = [];
        for (const f of buffered) this.ingest(influencerId, f);
      },
      (error: unknown) => {
        i.admitting = null;
        this.events.emit('error', { error, context: { op: 'admit', influencerId } });
        throw error;
      },
    );
    return i.admitting;
  }

  private async seed(inf: Influencer): Promise<void> {
    const cursors = this.opts.cursorStore ? await this.opts.cursorStore.list(inf.id) : new Map();
    const snap = this.opts.positionSource ? await this.opts.positionSource.positions(inf.user) : null;
    inf.seed = snap?.positions ?? new Map();
    inf.seedTime = snap?.time ?? 0;
    for (const [market, c] of cursors) {
      inf.trackers.set(
        market,
        this.newTracker(inf, market, {
          position: dec(c.position),
          lastTime: c.time,
          idsAtLastTime: c.eventIdsAtTime,
          lastEventId: c.eventId,
          fromCursor: true,
        }),
      );
    }
    this.events.emit('seeded', { influencerId: inf.id, markets: inf.seed.size, fromCursor: cursors.size });
    if (cursors.size > 0) {
      inf.resumeFrom = Math.min(...[...cursors.values()].map((c) => c.time));
      await resumeInfluencer({
        trackers: inf.trackers,
        user: inf.user,
        from: inf.resumeFrom,
        to: this.clock.now(),
        snapshot: snap,
        fillHistory: this.opts.fillHistory,
        covered: (cls) => this.seededClasses.has(cls),
        tracker: (market) => this.tracker(inf, market),
        startAt: (market, position, time) => {
          inf.trackers.set(
            market,
            this.newTracker(inf, market, { position, lastTime: time, fromCursor: false }),
          );
        },
        settle: async () => {
          // Released held fills can open new blocks or repairs: repeat until all is quiet.
          for (;;) {
            for (const t of inf.trackers.values()) this.guard(t, () => t.closeBlock());
            const running = [...inf.trackers.values()].flatMap((t) => (t.repairing ? [t.repairing] : []));
            if (running.length === 0) return;
            await Promise.all(running);
          }
        },
        emit: this.events.emit.bind(this.events),
        influencerId: inf.id,
      });
    }
  }

  /** Take one fill of an admitted (or admitting) influencer, in the fan-in's order. */
  ingest(influencerId: string, fill: FillEvent): void {
    const inf = this.influencers.get(influencerId);
    if (!inf) {
      this.events.emit('absorbed', {
        influencerId,
        market: fill.coin,
        eventId: fill.eventId,
        reason: 'unknown-influencer',
        time: fill.time,
        delivery: fill.source.delivery,
      });
      return;
    }
    if (!inf.ready) {
      if (inf.buffer.length >= (this.opts.maxBufferedFills ?? 50_000)) {
        const dropped = inf.buffer.shift();
        if (dropped)
          this.events.emit('absorbed', {
            influencerId,
            market: dropped.coin,
            eventId: dropped.eventId,
            reason: 'buffer-overflow',
            time: dropped.time,
            delivery: dropped.source.delivery,
          });
      }
      inf.buffer.push(fill);
      return;
    }
    const t = this.tracker(inf, fill.coin);
    this.guard(t, () => t.accept(fill));
  }

  /**
   * Take one fan-in batch (one block of one market, in order). With `settleMs` 0 the block is
   * closed right after it, so its signal leaves now instead of after a quiet time.
   */
  ingestBlock(influencerId: string, fills: readonly FillEvent[]): void {
    this.inBlock = true;
    try {
      for (const f of fills) this.ingest(influencerId, f);
    } finally {
      this.inBlock = false;
    }
    if (this.opts.settleMs !== 0 || fills.length === 0) return;
    const t = this.influencers.get(influencerId)?.trackers.get((fills[0] as FillEvent).coin);
    if (t) this.guard(t, () => t.closeBlock());
  }

  /**
   * Periodic reconciliation with fresh positions: any tracked perp/HIP-3 market whose
   * position differs gets a RECONCILE signal. Skipped while repairing or when the snapshot is
   * older than fills already applied.
   */
  reconcile(influencerId: string, snap: PositionSnapshot): void {
    const inf = this.influencers.get(influencerId);
    if (!inf?.ready) return;
    const markets = new Set([...inf.trackers.keys(), ...snap.positions.keys()]);
    for (const market of [...markets].sort()) {
      const t = this.tracker(inf, market);
      if (!this.seededClasses.has(t.cls)) continue;
      if (snap.dexes !== undefined && !snap.dexes.includes(dexOf(market))) continue;
      const ref = { influencerId, market };
      const pt = t.pendingTime;
      if (pt !== null && snapshotCovers(snap.time, pt)) this.guard(t, () => t.closeBlock());
      if (t.held) {
        this.events.emit('reconcileSkipped', { ...ref, reason: 'repairing' });
        continue;
      }
      if (t.pendingTime !== null || !snapshotCovers(snap.time, t.lastTime)) {
        this.events.emit('reconcileSkipped', { ...ref, reason: 'stale-snapshot' });
        continue;
      }
      const target = snap.positions.get(market) ?? ZERO;
      if (!target.eq(t.position) || !t.seeded) {
        t.seeded = true;
        this.guard(t, () =>
          t.reconcileTo(target, snap.time, t.accumulating ? 'market-stream' : 'periodic', []),
        );
      }
    }
  }

  setDegraded(influencerId: string, degraded: boolean): void {
    const inf = this.influencers.get(influencerId);
    if (inf) inf.degraded = degraded;
  }

  /** Current signed position, for status pages and tests. */
  position(influencerId: string, market: string): Decimal | undefined {
    return this.influencers.get(influencerId)?.trackers.get(market)?.position;
  }

  /** Close every open block now (shutdown, end of replay). */
  flush(): void {
    for (const inf of this.influencers.values())
      for (const t of inf.trackers.values()) this.guard(t, () => t.closeBlock());
  }

  /** Close the open block of one market now (replay: every fill of its block time was fed). */
  flushMarket(influencerId: string, market: string): void {
    const t = this.influencers.get(influencerId)?.trackers.get(market);
    if (t) this.guard(t, () => t.closeBlock());
  }

  /** Resolves when no repair, admission or publish/cursor write is in flight. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.inflight, ...this.cursorWrites, ...this.chains.values()];
      for (const inf of this.influencers.values())
        if (inf.admitting) pending.push(inf.admitting.catch(() => undefined));
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  /** True while a gap repair is running (replay waits on it to stay strictly ordered). */
  get repairing(): boolean {
    return this.inflight.size > 0;
  }

  private hasOpenWork(): boolean {
    for (const inf of this.influencers.values())
      for (const t of inf.trackers.values()) if (t.pendingTime !== null || t.held) return true;
    return false;
  }

  remove(influencerId: string): void {
    const inf = this.influencers.get(influencerId);
    if (!inf) return;
    for (const t of inf.trackers.values()) this.guard(t, () => t.closeBlock());
    for (const t of inf.trackers.values()) t.dispose();
    this.influencers.delete(influencerId);
  }

  /** Flush open blocks, wait for repairs and writes, stop timers. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // A repair may release held fills into new open blocks: repeat until all is quiet.
      do {
        this.flush();
        await this.idle();
      } while (this.hasOpenWork());
      for (const inf of this.influencers.values()) for (const t of inf.trackers.values()) t.dispose();
    })();
    return this.closing;
  }

  private tracker(inf: Influencer, market: string): MarketTracker {
    let t = inf.trackers.get(market);
    if (!t) {
      const covered = this.opts.positionSource !== undefined && this.seededClasses.has(marketClass(market));
      t = this.newTracker(inf, market, {
        // Covered markets start at the seed (absent = flat); others adopt their first fill's start.
        position: covered ? (inf.seed.get(market) ?? ZERO) : null,
        // The seed says nothing about uncovered markets: on a resume their fills since the oldest
        // cursor are not in it and must not be dropped as older than the seed.
        lastTime: covered ? inf.seedTime : (inf.resumeFrom ?? inf.seedTime),
        fromCursor: false,
      });
      inf.trackers.set(market, t);
    }
    return t;
  }

  private newTracker(
    inf: Influencer,
    market: string,
    start: Omit<ConstructorParameters<typeof MarketTracker>[1], 'influencerId' | 'user' | 'market'>,
  ): MarketTracker {
    return new MarketTracker(this.host, { influencerId: inf.id, user: inf.user, market, ...start });
  }

  /** Errors in one tracker are reported, never thrown into the fan-in. */
  private guard(t: MarketTracker, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.events.emit('error', { error, context: { key: t.key, op: 'process' } });
    }
  }

  private startRepair(t: MarketTracker, fills: FillEvent[]): void {
    const p = repairGap(t, fills, this.deps)
      .catch((error: unknown) => this.events.emit('error', { error, context: { op: 'repair', key: t.key } }))
      .finally(() => {
        this.inflight.delete(p);
        t.repairing = null;
        const held = t.held ?? [];
        t.held = null;
        for (const f of held) this.guard(t, () => t.accept(f));
      });
    t.repairing = p;
    this.inflight.add(p);
  }

  private output(t: MarketTracker, signal: Signal): void {
    this.events.emit('signal', signal);
    const publish = this.opts.publish;
    if (!publish) return;
    this.enqueue(t.key, async () => {
      try {
        await publish(signal);
      } catch (error) {
        t.cursorFrozen = true;
        this.events.emit('publishFailed', {
          influencerId: t.influencerId,
          market: t.market,
          signalId: signal.signalId,
          error,
        });
        this.log.error({ err: error, signalId: signal.signalId }, `publish failed: ${errorMessage(error)}`);
      }
    });
  }

  private persist(t: MarketTracker, at?: Cursor): void {
    const store = this.opts.cursorStore;
    if (!store) return;
    const cursor = at ?? t.cursor();
    this.enqueue(t.key, () => {
      if (t.cursorFrozen) return Promise.resolve();
      // Ordered after this key's publishes (the chain), but not awaited by them: the key's next
      // signal must not wait on a Redis round trip (#18). Writes of one key still land in order
      // (one connection, FIFO), an ack-gated store holds a cursor whose signals are unacknowledged,
      // and idle() awaits them, so a crash before the write only means more replay.
      const w: Promise<void> = store
        .set(t.influencerId, t.market, cursor)
        .catch((error: unknown) =>
          this.events.emit('error', { error, context: { op: 'cursor', key: t.key } }),
        )
        .finally(() => this.cursorWrites.delete(w));
      this.cursorWrites.add(w);
      return Promise.resolve();
    });
  }

  /**
   * Per-key FIFO of async side effects: publish, then the cursor that depends on it. A key with
   * nothing in flight starts its task at once, in this turn: one socket read carries a block's
   * frames for every account, and a signal started in a microtask reached the sink's queue only
   * after the whole read was handled (derived -> enqueue p50 1.2 / p99 9-11 ms at 2 000
   * signals/s, #18). A key with a task in flight queues behind it, as before.
   */
  private enqueue(key: string, task: () => Promise<void>): void {
    const prev = this.chains.get(key);
    const next = prev === undefined ? startNow(task) : prev.then(task);
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }
}

/** The task's promise; a synchronous throw becomes a rejection, as it would inside `then`. */
function startNow(task: () => Promise<void>): Promise<void> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error);
  }
}
