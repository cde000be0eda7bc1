/**
 * Dedup (M0 §5): an in-memory LRU of recent ids in front of a durable store. `filter` splits a
 * batch into fresh events and duplicates (within the batch, recent, or remembered by the
 * store); `commit` records the fresh ids after the event log acknowledged them.
 */
import type { DedupStore } from './store.js';

export interface DedupOutcome<T> {
  readonly fresh: T[];
  readonly duplicates: T[];
}

export class Dedup {
  private readonly lru = new Map<string, true>();
  private hitCount = 0;

  constructor(
    readonly store: DedupStore,
    private readonly lruEntries: number,
  ) {}

  get hits(): number {
    return this.hitCount;
  }

  get lruSize(): number {
    return this.lru.size;
  }

  async filter<T extends { readonly eventId: string }>(items: readonly T[]): Promise<DedupOutcome<T>> {
    const duplicates: T[] = [];
    const candidates: T[] = [];
    const inBatch = new Set<string>();
    for (const it of items) {
      if (this.lru.has(it.eventId) || inBatch.has(it.eventId)) {
        this.touch(it.eventId);
        duplicates.push(it);
      } else {
        inBatch.add(it.eventId);
        candidates.push(it);
      }
    }
    const fresh: T[] = [];
    if (candidates.length > 0) {
      const seen = await this.store.seen(candidates.map((c) => c.eventId));
      candidates.forEach((c, i) => (seen[i] === true ? duplicates : fresh).push(c));
    }
    for (const f of fresh) this.touch(f.eventId);
    this.hitCount += duplicates.length;
    return { fresh, duplicates };
  }

  /** After the log acknowledged: make the ids durable. */
  commit(ids: readonly string[]): Promise<void> {
    return this.store.remember(ids);
  }

  private touch(id: string): void {
    this.lru.delete(id);
    this.lru.set(id, true);
    if (this.lru.size > this.lruEntries) {
      const oldest = this.lru.keys().next();
      if (oldest.done !== true) this.lru.delete(oldest.value);
    }
  }
}
