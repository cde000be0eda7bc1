/**
 * Dedupe on signalId within a bounded window. The contract delivers at least once and makes the
 * id deterministic, so "seen this id recently" is the whole rule. The window is a count-bounded
 * insertion-ordered set (oldest id evicted first): duplicates arrive close to their original
 * (a producer retry, a restart resending its last batch, a rebalance re-reading uncommitted
 * offsets), so a window of the last N ids covers them with bounded memory.
 *
 * An id is remembered only after onSignal resolved, so a failed handler's signal is not
 * swallowed on redelivery. To survive a process restart, pass a `SignalDedupe` backed by the
 * store the signals are applied to (e.g. a table of applied signal ids), or seed a window from it.
 */
import { FifoSet } from '../core/index.js';

export interface SignalDedupe {
  has(signalId: string): boolean | Promise<boolean>;
  add(signalId: string): void | Promise<void>;
}

export class DedupeWindow implements SignalDedupe {
  // Not a Set: evicting a Set's oldest walks the holes earlier evictions left (60 µs per id
  // at 100 000 ids on Node 20, against 0.6 µs here; core/fifo-map.ts).
  private readonly ids = new FifoSet<string>();

  constructor(
    private readonly capacity: number,
    seed: Iterable<string> = [],
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`dedupe window capacity must be a positive integer, got ${capacity}`);
    for (const id of seed) this.add(id);
  }

  has(signalId: string): boolean {
    return this.ids.has(signalId);
  }

  add(signalId: string): void {
    if (this.ids.has(signalId)) return;
    this.ids.add(signalId);
    if (this.ids.size > this.capacity) this.ids.shift();
  }

  get size(): number {
    return this.ids.size;
  }
}
