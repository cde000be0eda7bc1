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
 */
import type { FillEvent } from '../core/index.js';
import { orderBlock } from './block-order.js';
import type { SerialWriter } from './key-writer.js';

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
  /** Bound once per key: orderBlock's hint for where the previous block left each user. */
  readonly lastOf: (user: string) => FillEvent | undefined;
  readonly writer: SerialWriter<FanInBatch>;
}

/** Late fills of one admission, grouped per key and block so each group leaves as one batch. */
export type LateGroups = Map<KeyState, Map<number, FillEvent[]>>;

export interface ReorderBufferOptions {
  readonly windowMs: number;
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

  constructor(private readonly o: ReorderBufferOptions) {}

  get pendingFills(): number {
    return this.pending;
  }

  get size(): number {
    return this.keyCount;
  }

  /** Holds a first arrival, or adds it to `late` when its block was already released. */
  add(influencerId: string, f: FillEvent, now: number, late: LateGroups): void {
    const key = this.keyState(influencerId, f.coin);
    if (f.time <= key.releasedThrough) {
      let byTime = late.get(key);
      if (!byTime) late.set(key, (byTime = new Map()));
      const l = byTime.get(f.time);
      if (l) l.push(f);
      else byTime.set(f.time, [f]);
      return;
    }
    let b = key.pending.get(f.time);
    if (!b) {
      b = { key, time: f.time, due: now + this.o.windowMs, fills: [], released: false };
      key.pending.set(f.time, b);
      this.dueQueue.push(b);
    }
    b.fills.push(f);
    this.pending++;
    if (f.startPosition === null) {
      const l = this.enrichable.get(f.eventId);
      if (l) l.push(b);
      else this.enrichable.set(f.eventId, [b]);
    }
  }

  /** Writes the late groups, each after everything its key released before. */
  writeLate(late: LateGroups): void {
    for (const [key, byTime] of late) {
      for (const [time, fills] of byTime) {
        const ordered = orderBlock(fills, key.lastOf);
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

  /** Releases every block due at `now` (Infinity: all of them). */
  releaseDue(now: number): void {
    while (this.dueHead < this.dueQueue.length) {
      const b = this.dueQueue[this.dueHead] as Block;
      if (b.due > now) break;
      this.dueQueue[this.dueHead++] = undefined as unknown as Block;
      if (!b.released) this.releaseThrough(b.key, b.time);
    }
    this.compact();
  }

  /** Releases the oldest blocks until at most `max` fills are held; returns how many blocks left early. */
  releaseOver(max: number): number {
    let n = 0;
    while (this.pending > max && this.dueHead < this.dueQueue.length) {
      const b = this.dueQueue[this.dueHead] as Block;
      this.dueQueue[this.dueHead++] = undefined as unknown as Block;
      if (!b.released) {
        this.releaseThrough(b.key, b.time);
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
    return this.dueHead < this.dueQueue.length ? (this.dueQueue[this.dueHead] as Block).due : Infinity;
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
        writer: this.o.makeWriter(),
      };
      byCoin.set(coin, s);
      this.keyCount++;
    }
    return s;
  }

  /** Releases the block at `through` and every earlier pending block of its key, in time order. */
  private releaseThrough(key: KeyState, through: number): void {
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

  private releaseBlock(key: KeyState, b: Block): void {
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
      ordered = orderBlock(b.fills, key.lastOf);
      for (const f of ordered) key.lastByUser.set(f.user, f);
    }
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
