/**
 * Dedup store ports. `claim` is the only operation the fan-in needs: for each id, atomically
 * "was this id unseen? then remember it". It may answer synchronously (memory) or with a
 * promise (a shared store), so the hot path pays no promise when it does not have to.
 */

export interface DedupStore {
  /** For each id, true when this is its first arrival (and it is now remembered). Same order as `ids`. */
  claim(ids: readonly string[], now: number): readonly boolean[] | Promise<readonly boolean[]>;
  close(): Promise<void>;
}

/**
 * A store shared between instances and restarts (Redis). Atomic set-if-absent with a TTL
 * per id; a seen id has its TTL refreshed, matching the memory store's semantics.
 */
export interface RemoteDedupStore {
  claim(ids: readonly string[], ttlMs: number): Promise<readonly boolean[]>;
  close(): Promise<void>;
}

export interface DedupStoreStats {
  readonly size: number;
  readonly capacity: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly expirations: number;
}
