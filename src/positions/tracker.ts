/**
 * One (influencer, market): the position we hold, the open block, the processed-id boundary
 * and the hold buffer used while a gap is repaired. Synchronous: the engine (host) owns
 * timers, I/O and async repair; this file owns the per-market rules:
 *  - dedupe: older than the last processed fill is stale, same id at its millisecond is a duplicate;
 *  - a later block time (or the settle timer, or flush) closes the open block;
 *  - a closed block is chain-sorted; if it does not continue our position it is a gap.
 */
import { InternalError, ZERO, decStr, marketClass } from '../core/index.js';
import type { Decimal, FillEvent, MarketClass, TimerHandle } from '../core/index.js';
import { deriveBlock, reconcileSignal } from './block.js';
import type { BlockContext } from './block.js';
import { chainOrigin, chainSort } from './chain.js';
import type { ChainStep } from './chain.js';
import type { AbsorbReason, PositionEngineEvents } from './events.js';
import type { Cursor } from './ports.js';
import type { ReconcileReason, Signal, SignalMode } from './signal.js';

export interface TrackerHost {
  /** Aggregation mode for this influencer (block or order). */
  mode(influencerId: string): SignalMode;
  readonly seedOverlapMs: number;
  /** Whether this influencer's fills in a market class produce signals. */
  emits(cls: MarketClass, influencerId: string): boolean;
  now(): number;
  degraded(influencerId: string): boolean;
  emit<K extends keyof PositionEngineEvents>(event: K, payload: PositionEngineEvents[K]): void;
  output(t: MarketTracker, signal: Signal): void;
  /** Persist `cursor` (default: the tracker's current one) after the side effects queued so far. */
  persist(t: MarketTracker, cursor?: Cursor): void;
  /** null: the caller closes the block itself (latency-first batch). */
  armSettle(t: MarketTracker): TimerHandle | null;
  startRepair(t: MarketTracker, gapFills: FillEvent[]): void;
}

export interface TrackerInit {
  readonly influencerId: string;
  readonly user: string;
  readonly market: string;
  /** Known starting position, or null to adopt the first fill's startPosition. */
  readonly position: Decimal | null;
  readonly lastTime: number;
  readonly idsAtLastTime?: readonly string[];
  readonly lastEventId?: string;
  /** True when the start comes from a cursor (fills already processed). */
  readonly fromCursor: boolean;
}

interface OpenBlock {
  readonly time: number;
  readonly fills: Map<string, FillEvent>;
  timer: TimerHandle | null;
}

export class MarketTracker {
  readonly influencerId: string;
  readonly user: string;
  readonly market: string;
  readonly cls: MarketClass;
  position: Decimal;
  seeded: boolean;
  lastTime: number;
  lastEventId: string;
  idsAtLastTime: Set<string>;
  /** Any fill processed since seeding (the seed-overlap rule applies only before the first). */
  confirmedAny: boolean;
  /** Last processed fill had no startPosition (market-stream accumulation). */
  accumulating = false;
  /** Non-null while a gap repair runs: later fills wait here in arrival order. */
  held: FillEvent[] | null = null;
  repairing: Promise<void> | null = null;
  /**
   * A cursor of this market is (or is about to be) persisted. Until then a restart would start
   * the market from a fresh seed and skip what happened between its published signals and the
   * restart, so the first output is preceded by a cursor of the state before it.
   */
  anchored: boolean;
  /** A publish failed: stop advancing the persisted cursor so a restart re-derives. */
  cursorFrozen = false;
  private open: OpenBlock | null = null;
  private readonly seedTime: number;

  constructor(
    private readonly host: TrackerHost,
    init: TrackerInit,
  ) {
    this.influencerId = init.influencerId;
    this.user = init.user;
    this.market = init.market;
    this.cls = marketClass(init.market);
    this.position = init.position ?? ZERO;
    this.seeded = init.position !== null;
    this.lastTime = init.lastTime;
    this.seedTime = init.lastTime;
    this.lastEventId = init.lastEventId ?? '';
    this.idsAtLastTime = new Set(init.idsAtLastTime ?? []);
    this.confirmedAny = init.fromCursor;
    this.anchored = init.fromCursor;
  }

  get key(): string {
    return `${this.influencerId}|${this.market}`;
  }

  get pendingTime(): number | null {
    return this.open?.time ?? null;
  }

  cursor(): Cursor {
    return {
      time: this.lastTime,
      eventId: this.lastEventId,
      eventIdsAtTime: [...this.idsAtLastTime].sort(),
      position: decStr(this.position),
    };
  }

  ctx(): BlockContext {
    return {
      influencerId: this.influencerId,
      user: this.user,
      market: this.market,
      mode: this.host.mode(this.influencerId),
      emittedAt: this.host.now(),
      degradedListener: this.host.degraded(this.influencerId),
      onTransition: (e) =>
        this.host.emit('transition', { influencerId: this.influencerId, market: this.market, ...e }),
    };
  }

  private absorb(f: FillEvent, reason: AbsorbReason): void {
    this.host.emit('absorbed', {
      influencerId: this.influencerId,
      market: this.market,
      eventId: f.eventId,
      reason,
      time: f.time,
      delivery: f.source.delivery,
    });
  }

  /** Take one fill in delivery order. */
  accept(f: FillEvent): void {
    if (f.coin !== this.market) throw new InternalError(`fill for ${f.coin} routed to tracker ${this.key}`);
    if (this.held) {
      this.held.push(f);
      return;
    }
    if (f.time < this.lastTime) return this.absorb(f, 'stale');
    if (f.time === this.lastTime && this.idsAtLastTime.has(f.eventId)) return this.absorb(f, 'duplicate');
    if (this.open && f.time > this.open.time) {
      this.closeBlock();
      // closeBlock may have started a repair: from now on this fill waits with the others.
      const held = this.held as FillEvent[] | null;
      if (held) {
        held.push(f);
        return;
      }
    }
    // An older time than the open block breaks the input contract; the chain check repairs it.
    if (this.open && f.time < this.open.time) return this.absorb(f, 'stale');
    if (!this.open) this.open = { time: f.time, fills: new Map(), timer: null };
    if (this.open.fills.has(f.eventId)) return this.absorb(f, 'duplicate');
    this.open.fills.set(f.eventId, f);
    this.open.timer?.cancel();
    this.open.timer = this.host.armSettle(this);
  }

  /** Close the open block (settle timer, later block, flush). */
  closeBlock(): void {
    const b = this.open;
    if (!b) return;
    this.open = null;
    b.timer?.cancel();
    this.processBlock([...b.fills.values()], false);
  }

  /** Chain-check and apply one block; on a gap hand it to the host's repair unless forced. */
  processBlock(fills: FillEvent[], forced: boolean, reason: ReconcileReason = 'start-position'): void {
    if (fills.length === 0) return;
    if (!this.seeded) {
      const origin = chainOrigin(fills) ?? fills.find((f) => f.startPosition !== null)?.startPosition ?? ZERO;
      this.position = origin;
      this.seeded = true;
      this.host.emit('seededFromFill', {
        influencerId: this.influencerId,
        market: this.market,
        position: origin,
      });
    }
    const r = chainSort(this.position, fills);
    if (r.complete) return this.apply(r.steps);
    if (!this.confirmedAny && (fills[0]?.time ?? 0) <= this.seedTime + this.host.seedOverlapMs) {
      const origin = chainOrigin(fills);
      if (origin && chainSort(origin, fills).end.eq(this.position)) {
        for (const f of fills) this.absorb(f, 'seed-overlap');
        this.markProcessed(fills);
        this.host.persist(this);
        return;
      }
    }
    if (forced) return this.forceApply(fills, reason);
    const first = r.steps.length === 0 ? fills.find((f) => f.startPosition !== null) : undefined;
    this.host.emit('gap', {
      influencerId: this.influencerId,
      market: this.market,
      expected: this.position,
      got: first?.startPosition ?? null,
      eventId: first?.eventId ?? fills[0]?.eventId ?? '',
      time: fills[0]?.time ?? 0,
    });
    this.held = [];
    this.host.startRepair(this, fills);
  }

  /**
   * Apply a block that does not chain, never silently: whenever the next fills start
   * elsewhere, emit a RECONCILE jump to where they start, then apply what chains from there.
   */
  forceApply(fills: FillEvent[], reason: ReconcileReason): void {
    let remaining = fills;
    while (remaining.length > 0) {
      const r = chainSort(this.position, remaining);
      if (r.steps.length === 0) {
        const origin =
          chainOrigin(remaining) ??
          [...remaining]
            .sort((a, b) => (a.eventId < b.eventId ? -1 : 1))
            .find((f) => f.startPosition !== null)?.startPosition;
        if (!origin) throw new InternalError(`no origin for unchained block of ${this.key}`);
        this.reconcileTo(origin, remaining[0]?.time ?? this.lastTime, reason, []);
        continue;
      }
      this.apply(r.steps);
      const done = new Set(r.steps.flat().map((f) => f.eventId));
      remaining = remaining.filter((f) => !done.has(f.eventId));
    }
  }

  apply(steps: readonly ChainStep[]): void {
    const fills = steps.flat();
    if (fills.length === 0) return;
    const emits = this.host.emits(this.cls, this.influencerId);
    const before = this.position;
    const pre = this.anchored ? null : this.cursor();
    const out = deriveBlock(this.ctx(), before, steps, emits);
    const ref = { influencerId: this.influencerId, market: this.market };
    const time = fills[0]?.time ?? 0;
    for (const d of out.dirFindings) {
      if (d.check.kind === 'mismatch')
        this.host.emit('dirMismatch', {
          ...ref,
          eventId: d.fill.eventId,
          dir: d.check.dir,
          expected: d.check.expected,
        });
      else this.host.emit('unknownDir', { ...ref, eventId: d.fill.eventId, dir: d.check.dir });
    }
    if (out.selfTradePairs > 0) this.host.emit('selfTrade', { ...ref, time, pairs: out.selfTradePairs });
    if (out.netZero && out.selfTradePairs * 2 !== fills.length)
      this.host.emit('netZeroBlock', { ...ref, time, fillCount: fills.length });
    if (!emits && !before.eq(out.after))
      this.host.emit('suppressed', { ...ref, marketClass: this.cls, time });
    this.position = out.after;
    this.accumulating = fills[fills.length - 1]?.startPosition === null;
    this.markProcessed(fills);
    if (pre && out.signals.length > 0) this.anchor(pre);
    for (const s of out.signals) this.host.output(this, s);
    const unsignalled = notIn(fills, out.signals);
    if (unsignalled.length > 0) this.host.emit('unsignalled', { ...ref, eventIds: unsignalled });
    this.host.persist(this);
  }

  /** Write-ahead cursor of the state before this market's first published signal. */
  private anchor(pre: Cursor): void {
    this.anchored = true;
    this.host.persist(this, pre);
  }

  /** Jump to an authoritative position with a RECONCILE signal (an event only if nothing moved). */
  reconcileTo(target: Decimal, time: number, reason: ReconcileReason, absorbed: readonly FillEvent[]): void {
    const from = this.position;
    const changed = !from.eq(target);
    this.host.emit('reconcile', {
      influencerId: this.influencerId,
      market: this.market,
      from,
      to: target,
      reason,
      changed,
    });
    if (changed) {
      const s = reconcileSignal(this.ctx(), from, target, time, reason, absorbed);
      const emits = this.host.emits(this.cls, this.influencerId);
      if (emits && !this.anchored) this.anchor(this.cursor());
      this.position = target;
      if (emits) this.host.output(this, s);
    }
    for (const f of absorbed) this.absorb(f, 'reconciled');
    this.advanceTo(
      time,
      absorbed.filter((f) => f.time === time).map((f) => f.eventId),
    );
    this.host.persist(this);
  }

  markProcessed(fills: readonly FillEvent[]): void {
    const time = Math.max(...fills.map((f) => f.time));
    this.advanceTo(
      time,
      fills.filter((f) => f.time === time).map((f) => f.eventId),
    );
    const last = fills[fills.length - 1];
    if (last) this.lastEventId = last.eventId;
    this.confirmedAny = true;
  }

  private advanceTo(time: number, ids: readonly string[]): void {
    if (time > this.lastTime) {
      this.lastTime = time;
      this.idsAtLastTime = new Set();
    }
    if (time === this.lastTime) for (const id of ids) this.idsAtLastTime.add(id);
  }

  /** Cancel timers (shutdown / removal); the open block is dropped, not emitted. */
  dispose(): void {
    this.open?.timer?.cancel();
    this.open = null;
  }
}

/** Ids of `fills` that none of `signals` carries (none, cheaply, in the usual one-signal block). */
function notIn(fills: readonly FillEvent[], signals: readonly Signal[]): string[] {
  let carried = 0;
  for (const s of signals) carried += s.sourceEventIds.length;
  // A signal carries ids of this block's fills only, each once.
  if (carried >= fills.length) return [];
  const ids = new Set<string>();
  for (const s of signals) for (const id of s.sourceEventIds) ids.add(id);
  return fills.filter((f) => !ids.has(f.eventId)).map((f) => f.eventId);
}
