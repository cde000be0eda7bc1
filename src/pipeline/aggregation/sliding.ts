/**
 * A sliding-window aggregator over closed ticks (the "two stacks" scheme): ticks are pushed
 * newest last and evicted oldest first; the back keeps one running fold, the front keeps for
 * each tick the fold of it and every newer front tick. A query is one copy and one merge, and
 * each tick is copied about once while it is in the window, instead of re-merging every tick of
 * a 1 h window at every tick end. Order-sensitive parts (open/close, returns) stay exact because
 * folds only ever join an earlier part to a later one.
 */
import type { Agg } from './agg.js';
import { cloneAgg, emptyAgg, mergeInto, prependInto } from './agg.js';

export interface SlidingTick {
  readonly startMs: number;
  readonly agg: Agg;
  readonly partial: boolean;
}

interface Suffix {
  readonly startMs: number;
  readonly agg: Agg;
  readonly partial: boolean;
}

export class SlidingAgg {
  private front: Suffix[] = [];
  private fi = 0;
  private back: SlidingTick[] = [];
  private backAgg: Agg = emptyAgg();
  private backPartial = false;

  push(t: SlidingTick): void {
    this.back.push(t);
    mergeInto(this.backAgg, t.agg);
    this.backPartial ||= t.partial;
  }

  /** Drops every tick that starts before `startMs`. */
  evictBefore(startMs: number): void {
    for (;;) {
      if (this.fi >= this.front.length) {
        const oldest = this.back[0];
        if (oldest === undefined || oldest.startMs >= startMs) return;
        this.flip();
      }
      const f = this.front[this.fi];
      if (f === undefined || f.startMs >= startMs) return;
      this.fi += 1;
    }
  }

  /** The fold of every tick held, oldest to newest (a fresh Agg the caller may keep). */
  query(): { agg: Agg; partial: boolean } {
    const f = this.front[this.fi];
    if (f === undefined) return { agg: cloneAgg(this.backAgg), partial: this.backPartial };
    const agg = cloneAgg(f.agg);
    mergeInto(agg, this.backAgg);
    return { agg, partial: f.partial || this.backPartial };
  }

  get size(): number {
    return this.front.length - this.fi + this.back.length;
  }

  private flip(): void {
    const n = this.back.length;
    const front: Suffix[] = new Array<Suffix>(n);
    let next: Suffix | undefined;
    for (let i = n - 1; i >= 0; i--) {
      const t = this.back[i] as SlidingTick;
      let agg: Agg;
      if (next === undefined) agg = cloneAgg(t.agg);
      else {
        agg = cloneAgg(next.agg);
        prependInto(agg, t.agg);
      }
      next = { startMs: t.startMs, agg, partial: t.partial || (next?.partial ?? false) };
      front[i] = next;
    }
    this.front = front;
    this.fi = 0;
    this.back = [];
    this.backAgg = emptyAgg();
    this.backPartial = false;
  }
}
