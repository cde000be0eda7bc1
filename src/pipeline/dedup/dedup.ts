/**
 * Dedup (M0 §5): an in-memory set of recent ids (two-generation LRU) in front of a durable store. `filter` splits a
 * batch into fresh events and duplicates (within the batch, recent, or remembered by the
 * store); `commit` records the fresh ids after the event log acknowledged them.
 */
import { IdSet } from '../../core/index.js';
import type { DedupStore } from './store.js';

export interface DedupOutcome<T> {
  readonly fresh: T[];
  readonly duplicates: T[];
}

export class Dedup {
  // Two generations instead of a Map-ordered LRU: evicting the oldest key of a Map that keeps
  // one insert and one delete per event degrades badly (measured: 5x slower past capacity).
  // Holds at least the lruEntries/2 most recent ids, at most lruEntries, O(1) per id.
  // IdSets, not Set<string>: a Set kept every id string alive for up to lruEntries events, so
  // each one was promoted to the old generation; that was most of the bench's GC time.
  private current: IdSet;
  private previous: IdSet;
  private readonly generation: number;
  private hitCount = 0;

  constructor(
    readonly store: DedupStore,
    lruEntries: number,
  ) {
    this.generation = Math.max(1, lruEntries / 2);
    this.current = new IdSet(this.generation);
    this.previous = new IdSet(this.generation);
  }

  get hits(): number {
    return this.hitCount;
  }

  get lruSize(): number {
    return this.current.size + this.previous.size;
  }

  async filter<T extends { readonly eventId: string }>(items: readonly T[]): Promise<DedupOutcome<T>> {
    const duplicates: T[] = [];
    const candidates: T[] = [];
    for (const it of items) {
      // Touching as we go makes a repeat later in the same batch an LRU hit.
      if (this.current.has(it.eventId) || this.previous.has(it.eventId)) duplicates.push(it);
      else candidates.push(it);
      this.touch(it.eventId);
    }
    const fresh: T[] = [];
    if (candidates.length > 0) {
      const seen = await this.store.seen(candidates.map((c) => c.eventId));
      candidates.forEach((c, i) => (seen[i] === true ? duplicates : fresh).push(c));
    }
    this.hitCount += duplicates.length;
    return { fresh, duplicates };
  }

  /** The log refused these: drop them from the LRU so a retry is not mistaken for a duplicate. */
  forget(ids: readonly string[]): void {
    for (const id of ids) {
      this.current.delete(id);
      this.previous.delete(id);
    }
  }

  /** After the log acknowledged: make the ids durable. */
  commit(ids: readonly string[]): Promise<void> {
    return this.store.remember(ids);
  }

  private touch(id: string): void {
    this.current.add(id);
    if (this.current.size >= this.generation) {
      const old = this.previous;
      this.previous = this.current;
      old.clear();
      this.current = old;
    }
  }
}
