/**
 * The per-(influencer, coin) reorder buffer behind the FanIn: holds first arrivals in their
 * block for the reorder window, releases blocks in block-time order (each in canonical order,
 * block-order.ts), turns arrivals for already-released blocks into `late` batches, and hands
 * every batch to the key's serial writer. It owns no timer: the FanIn asks `nextDue()` and
 * calls `releaseDue(now)`.
 *
 * Due times: a block is due `windowMs` after its first fill arrived. Blocks are queued in
 * creation order, and creation times never decrease, so the queue is also due order: the
 * front is the next block to release and releasing is O(1) amortized. Releasing a block
 * releases every earlier pending block of its key first (they must precede it).
 *
 * Latency-first (`windowMs` 0): a block is released as soon as it is admitted, unless there
 * is evidence that something of its key is missing or out of order. Then only that key is
 * held, for at most `gapHoldMs`:
 *  - `gap`: the block does not continue the startPosition chain where the key's released
 *    fills left off (chain-evidence.ts). The key is released again as soon as the pending
 *    blocks chain (the missing fill arrived, typically from the other listener), or at the
 *    deadline, when positions take over (REST backfill, RECONCILE).
 *  - `late`: a fill arrived for a block time older than one already released for the key (a
 *    listener delivered out of order). The late fill leaves at once, flagged; the key's next
 *    blocks wait out the hold like the old reorder window, so a burst of disorder is sorted.
 *  - `peer_behind`: a market-stream fill (no startPosition, so no chain evidence) arrived for
 *    a block its live user-stream peer has not reached yet (peer-watermarks.ts). The key waits
 *    until the peer reaches every block it is waited for, so the peer's fills of earlier
 *    blocks take their place in order, or until the deadline.
 * A fill for the block time last released (one block split across frames) is no evidence: it
 * leaves at once as a `late` batch, and positions derive the documented follow-up signal.
 */
import type { FillEvent } from '../core/index.js';
import { orderBlock } from './block-order.js';
import { continuesChain, recordEnds } from './chain-evidence.js';
import type { ChainEnds } from './chain-evidence.js';
import type { SerialWriter } from './key-writer.js';
import type { PeerWait } from './peer-watermarks.js';

export interface FanInBatch {
  readonly influencerId: string;
  readonly coin: string;
  readonly blockTime: number;
  readonly fills: readonly FillEvent[];
  /** Arrived after its block (or a later block of the key) had been released. */
  readonly late: boolean;
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
  /** Latency-first: where each user's chain ended after the released fills. */
  readonly ends: ChainEnds;
  /** Latency-first: held until this time (0: not held) and why. */
  heldUntil: number;
  holdReason: HoldReason | null;
  /** Latency-first: user-stream peers this key waits for (null: none). */
  peerWaits: PeerWait[] | null;
  /** Bound once per key: orderBlock's hint for where the previous block left each user. */
  readonly lastOf: (user: string) => FillEvent | undefined;
  readonly writer: SerialWriter<FanInBatch>;
}

/** Late fills of one admission, grouped per key and block so each group leaves as one batch. */
export type LateGroups = Map<KeyState, Map<number, FillEvent[]>>;

/** Why a latency-first key is held (the `held` event's reason, a metric label). */
export const HOLD_REASONS = ['gap', 'late', 'peer_behind'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

export interface KeyHold {
  readonly influencerId: string;
  readonly coin: string;
  readonly reason: HoldReason;
  readonly until: number;
}

export interface ReorderBufferOptions {
  /** 0: latency-first (release at once unless there is evidence of a gap or disorder). */
  readonly windowMs: number;
  /** Latency-first: the longest a key is held on evidence. */
  readonly gapHoldMs: number;
  /** A key started being held (latency-first). */
  readonly onHold?: (hold: KeyHold) => void;
  /** Latency-first: whether a peer a key waits for has reached the block (peer-watermarks.ts). */
  readonly peerReached?: (wait: PeerWait) => boolean;
  readonly makeWriter: () => SerialWriter<FanInBatch>;
  /** Called for every batch just before it is written (counters, events). */
  readonly onBatch: (batch: FanInBatch, releasedThrough: number) => void;
}

const byTime = (a: Block, b: Block): number => a.time - b.time;

export class ReorderBuffer {
  /** influencerId -> coin -> state (nested, so the hot path builds no composite key strings). */
  private readonly keys = new Map<string, Map<string, KeyState>>();
  private keyCount = 0;
  private readonly dueQueue: Block[] = [];
  private dueHead = 0;
  /** Held fills without startPosition, by event id, so a richer copy can replace them. */
  private readonly enrichable = new Map<string, Block[]>();
  private pending = 0;
  private readonly latencyFirst: boolean;
  /** Latency-first: keys held on evidence, each released at its deadline at the latest. */
  private held: KeyState[] = [];
  private readonly recheck = new Set<KeyState>();

  constructor(private readonly o: ReorderBufferOptions) {
    this.latencyFirst = o.windowMs === 0;
  }

  get pendingFills(): number {
    return this.pending;
  }

  get size(): number {
    return this.keyCount;
  }

  /**
   * Holds a first arrival, or adds it to `late` when its block was already released. Returns
   * the key's state when the fill was added to a pending block (for holdForPeer), else null.
   */
  add(influencerId: string, f: FillEvent, now: number, late: LateGroups): KeyState | null {
    const key = this.keyState(influencerId, f.coin);
    if (f.time <= key.releasedThrough) {
      if (this.latencyFirst && f.time < key.releasedThrough && key.heldUntil === 0)
        this.hold(key, 'late', now);
      let byTime = late.get(key);
      if (!byTime) late.set(key, (byTime = new Map()));
      const l = byTime.get(f.time);
      if (l) l.push(f);
      else byTime.set(f.time, [f]);
      return null;
    }
    let b = key.pending.get(f.time);
    if (!b) {
      b = { key, time: f.time, due: now + this.o.windowMs, fills: [], released: false };
      key.pending.set(f.time, b);
      this.dueQueue.push(b);
    }
    b.fills.push(f);
    this.pending++;
    // A key held on a gap is looked at again: this fill may be the one that was missing.
    if (key.holdReason === 'gap') this.recheck.add(key);
    if (f.startPosition === null) {
      const l = this.enrichable.get(f.eventId);
      if (l) l.push(b);
      else this.enrichable.set(f.eventId, [b]);
    }
    return key;
  }

  /**
   * Latency-first: `key` waits until `wait` is met (the user-stream peer reached the block) or
   * the hold expires. Called after `add` put a market-stream fill in a pending block.
   */
  holdForPeer(key: KeyState, wait: PeerWait, now: number): void {
    if (!this.latencyFirst) return;
    const waits = (key.peerWaits ??= []);
    const same = waits.findIndex((w) => w.listenerId === wait.listenerId && w.user === wait.user);
    if (same < 0) waits.push(wait);
    else if ((waits[same] as PeerWait).time < wait.time) waits[same] = wait;
    if (key.heldUntil === 0) this.hold(key, 'peer_behind', now);
  }

  /** Writes the late groups, each after everything its key released before. */
  writeLate(late: LateGroups): void {
    for (const [key, byTime] of late) {
      for (const [time, fills] of byTime) {
        const ordered = orderBlock(fills, key.lastOf);
        // A late fill of the last released block continues the chain; an older one cannot
        // be placed, and the next fill's check must start from the chain as released.
        if (this.latencyFirst && time === key.releasedThrough && continuesChain(ordered, key.ends))
          recordEnds(ordered, key.ends);
        this.write(key, {
          influencerId: key.influencerId,
          coin: key.coin,
          blockTime: time,
          fills: ordered,
          late: true,
        });
      }
    }
  }

  /** Replaces a held copy lacking startPosition by `f`; true when one was replaced. */
  enrich(f: FillEvent): boolean {
    const blocks = this.enrichable.get(f.eventId);
    if (!blocks) return false;
    this.enrichable.delete(f.eventId);
    let done = false;
    for (const b of blocks) {
      const i = b.fills.findIndex((x) => x.eventId === f.eventId);
      if (i >= 0 && !b.released) {
        b.fills[i] = f;
        done = true;
      }
    }
    return done;
  }

  /** Releases every block due at `now` (Infinity: all of them, held keys included). */
  releaseDue(now: number): void {
    if (this.held.length > 0) {
      this.releaseExpiredHolds(now);
      // A key waiting for its user-stream peer is looked at again once the peer caught up.
      for (const k of this.held) if (k.peerWaits !== null && this.peersReached(k)) this.recheck.add(k);
    }
    if (this.recheck.size > 0) {
      for (const k of this.recheck) this.releaseChained(k, now);
      this.recheck.clear();
    }
    while (this.dueHead < this.dueQueue.length) {
      const b = this.dueQueue[this.dueHead] as Block;
      if (b.due > now) break;
      this.dueQueue[this.dueHead++] = undefined as unknown as Block;
      if (!b.released) this.releaseThrough(b.key, b.time, now);
    }
    this.compact();
  }

  /** Keys held on evidence right now (latency-first). */
  get heldKeys(): number {
    return this.held.length;
  }

  /** Releases the oldest blocks until at most `max` fills are held; returns how many blocks left early. */
  releaseOver(max: number): number {
    let n = 0;
    while (this.pending > max && this.dueHead < this.dueQueue.length) {
      const b = this.dueQueue[this.dueHead] as Block;
      this.dueQueue[this.dueHead++] = undefined as unknown as Block;
      if (!b.released) {
        this.releaseThrough(b.key, b.time, Infinity);
        n++;
      }
    }
    this.compact();
    return n;
  }

  /** When the next held block is due, or Infinity. */
  nextDue(): number {
    while (this.dueHead < this.dueQueue.length && (this.dueQueue[this.dueHead] as Block).released) {
      this.dueQueue[this.dueHead++] = undefined as unknown as Block;
    }
    let at = this.dueHead < this.dueQueue.length ? (this.dueQueue[this.dueHead] as Block).due : Infinity;
    for (const k of this.held) if (k.heldUntil < at) at = k.heldUntil;
    return at;
  }

  writersIdle(): boolean {
    for (const byCoin of this.keys.values())
      for (const k of byCoin.values()) if (!k.writer.idle) return false;
    return true;
  }

  private keyState(influencerId: string, coin: string): KeyState {
    let byCoin = this.keys.get(influencerId);
    if (!byCoin) {
      byCoin = new Map();
      this.keys.set(influencerId, byCoin);
    }
    let s = byCoin.get(coin);
    if (!s) {
      const lastByUser = new Map<string, FillEvent>();
      s = {
        influencerId,
        coin,
        pending: new Map(),
        releasedThrough: -Infinity,
        lastByUser,
        lastOf: (u) => lastByUser.get(u),
        ends: new Map(),
        heldUntil: 0,
        holdReason: null,
        peerWaits: null,
        writer: this.o.makeWriter(),
      };
      byCoin.set(coin, s);
      this.keyCount++;
    }
    return s;
  }

  /** Releases the block at `through` and every earlier pending block of its key, in time order. */
  private releaseThrough(key: KeyState, through: number, now: number): void {
    if (this.latencyFirst) return this.releaseChained(key, now);
    if (key.pending.size === 1) {
      // The common case: only this block is held, nothing to collect or sort.
      this.releaseBlock(key, key.pending.values().next().value as Block);
      return;
    }
    const ready: Block[] = [];
    for (const b of key.pending.values()) if (b.time <= through) ready.push(b);
    ready.sort(byTime);
    for (const b of ready) this.releaseBlock(key, b);
  }

  /**
   * Latency-first release of a key: its pending blocks in time order, as far as they continue
   * the chain. At the first that does not, the key is held (only this key); once the hold has
   * expired (or `now` is Infinity: flush, pending bound) everything pending leaves in order.
   */
  private releaseChained(key: KeyState, now: number): void {
    const expired = key.heldUntil !== 0 && key.heldUntil <= now;
    if (!expired && key.holdReason === 'late') return;
    if (key.peerWaits !== null) {
      if (!expired && now !== Infinity && !this.peersReached(key)) {
        if (key.heldUntil === 0) this.hold(key, 'peer_behind', now);
        return;
      }
      key.peerWaits = null;
      // The peer caught up: what is pending now either chains or is held afresh on a gap.
      if (!expired && key.holdReason === 'peer_behind') this.unhold(key);
    }
    const blocks =
      key.pending.size === 1 ? [...key.pending.values()] : [...key.pending.values()].sort(byTime);
    for (const b of blocks) {
      const ordered = b.fills.length === 1 ? b.fills : orderBlock(b.fills, key.lastOf);
      if (!expired && now !== Infinity && !continuesChain(ordered, key.ends)) {
        if (key.heldUntil === 0) this.hold(key, 'gap', now);
        return;
      }
      this.releaseBlock(key, b, ordered);
    }
    if (key.heldUntil !== 0) this.unhold(key);
  }

  private hold(key: KeyState, reason: HoldReason, now: number): void {
    key.heldUntil = now + this.o.gapHoldMs;
    key.holdReason = reason;
    this.held.push(key);
    this.o.onHold?.({ influencerId: key.influencerId, coin: key.coin, reason, until: key.heldUntil });
  }

  /** True when every peer `key` waits for has reached its block; drops the waits met. */
  private peersReached(key: KeyState): boolean {
    const waits = key.peerWaits as PeerWait[];
    const reached = this.o.peerReached;
    if (!reached || waits.length === 0) return true;
    const left = waits.filter((w) => !reached(w));
    if (left.length === waits.length) return false;
    key.peerWaits = left;
    return left.length === 0;
  }

  private unhold(key: KeyState): void {
    key.heldUntil = 0;
    key.holdReason = null;
    this.held = this.held.filter((k) => k !== key);
  }

  private releaseExpiredHolds(now: number): void {
    for (const k of this.held.filter((x) => x.heldUntil <= now)) {
      if (k.pending.size > 0) this.releaseChained(k, now);
      k.peerWaits = null;
      if (k.heldUntil !== 0) this.unhold(k);
    }
  }

  private releaseBlock(key: KeyState, b: Block, preordered?: FillEvent[]): void {
    key.pending.delete(b.time);
    b.released = true;
    this.pending -= b.fills.length;
    let ordered: FillEvent[];
    if (b.fills.length === 1) {
      ordered = b.fills;
      const f = b.fills[0] as FillEvent;
      if (f.startPosition === null) this.enrichable.delete(f.eventId);
      key.lastByUser.set(f.user, f);
    } else {
      for (const f of b.fills) if (f.startPosition === null) this.enrichable.delete(f.eventId);
      ordered = preordered ?? orderBlock(b.fills, key.lastOf);
      for (const f of ordered) key.lastByUser.set(f.user, f);
    }
    if (this.latencyFirst) recordEnds(ordered, key.ends);
    if (b.time > key.releasedThrough) key.releasedThrough = b.time;
    this.write(key, {
      influencerId: key.influencerId,
      coin: key.coin,
      blockTime: b.time,
      fills: ordered,
      late: false,
    });
  }

  private write(key: KeyState, batch: FanInBatch): void {
    this.o.onBatch(batch, key.releasedThrough);
    key.writer.write(batch);
  }

  private compact(): void {
    if (this.dueHead > 1024 && this.dueHead * 2 > this.dueQueue.length) {
      this.dueQueue.splice(0, this.dueHead);
      this.dueHead = 0;
    }
  }
}
