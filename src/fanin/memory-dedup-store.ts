/**
 * In-memory dedup store: a bounded LRU with TTL over 64-bit compact keys (dedup-key.ts),
 * laid out in typed arrays so a key costs ~32-40 bytes and no GC-visible objects (a
 * Map<string, …> of 64-hex ids costs ~5x that; bench/fanin.ts measures both).
 *
 * Semantics: an id is forgotten `ttlMs` after it was LAST seen (a duplicate refreshes it, so
 * ids that keep coming back in resubscribe snapshots stay known), and at most `maxEntries`
 * ids are kept (least recently seen evicted first). Because every touch moves the entry to
 * the head with expiry `now + ttl`, list order is both LRU order and expiry order: the tail
 * is always the next to expire, which makes reclaiming expired entries O(1).
 *
 * Layout: slots in parallel arrays (hi, lo, expiry, prev, next); an open-addressing table
 * (linear probing, load <= 0.5, backward-shift deletion, no tombstones) maps key -> slot+1.
 * Storage grows by doubling up to `maxEntries`, so a large bound costs nothing until used.
 */
import { ConfigError } from '../core/index.js';
import { compactKey, word } from './dedup-key.js';
import type { DedupStore, DedupStoreStats } from './dedup-store.js';

export interface MemoryDedupStoreOptions {
  /** Upper bound on remembered ids. Required: an unbounded store is a memory leak. */
  readonly maxEntries: number;
  /** How long an id is remembered after it was last seen (ms). */
  readonly ttlMs: number;
  /** Slots allocated up front (default min(maxEntries, 4096)). */
  readonly initialCapacity?: number;
}

const NONE = -1;

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export class MemoryDedupStore implements DedupStore {
  readonly maxEntries: number;
  readonly ttlMs: number;
  private cap = 0;
  private used = 0;
  private keyHi = new Uint32Array(0);
  private keyLo = new Uint32Array(0);
  private expiry = new Float64Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private table = new Int32Array(0);
  private mask = 0;
  private head = NONE;
  private tail = NONE;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private expirations = 0;

  constructor(opts: MemoryDedupStoreOptions) {
    if (!Number.isInteger(opts.maxEntries) || opts.maxEntries < 1) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `dedup maxEntries must be a positive integer, got ${opts.maxEntries}`,
      );
    }
    if (!Number.isFinite(opts.ttlMs) || opts.ttlMs <= 0) {
      throw new ConfigError('CONFIG_INVALID', `dedup ttlMs must be a positive number, got ${opts.ttlMs}`);
    }
    this.maxEntries = opts.maxEntries;
    this.ttlMs = opts.ttlMs;
    this.resize(Math.min(opts.maxEntries, Math.max(1, opts.initialCapacity ?? 4096)));
  }

  claim(ids: readonly string[], now: number): boolean[] {
    const out = new Array<boolean>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      // Hex digests (every real event id) are parsed in place: no per-id allocation.
      const hi = id.length >= 16 ? word(id, 0) : -1;
      const lo = hi >= 0 ? word(id, 8) : -1;
      if (lo >= 0) {
        out[i] = this.claimKey(hi, lo, now);
      } else {
        const k = compactKey(id);
        out[i] = this.claimKey(k.hi, k.lo, now);
      }
    }
    return out;
  }

  /** True when the id is remembered and not expired (does not touch it). */
  has(id: string, now: number): boolean {
    const k = compactKey(id);
    const slot = this.find(k.hi, k.lo);
    return slot !== NONE && (this.expiry[slot] as number) > now;
  }

  /** Claims one compact key; true = first arrival. */
  claimKey(hi: number, lo: number, now: number): boolean {
    const slot = this.find(hi, lo);
    if (slot !== NONE) {
      const fresh = (this.expiry[slot] as number) > now;
      this.expiry[slot] = now + this.ttlMs;
      this.moveToHead(slot);
      if (fresh) {
        this.hits++;
        return false;
      }
      this.expirations++;
      this.misses++;
      return true;
    }
    this.misses++;
    this.insert(hi, lo, now);
    return true;
  }

  /** Slots currently holding an id (expired ids are reclaimed lazily, see liveSize). */
  get size(): number {
    return this.used;
  }

  /** Ids not yet expired at `now`; walks only the expired tail. */
  liveSize(now: number): number {
    let expired = 0;
    for (let s = this.tail; s !== NONE && (this.expiry[s] as number) <= now; s = this.prev[s] as number)
      expired++;
    return this.used - expired;
  }

  stats(): DedupStoreStats {
    return {
      size: this.used,
      capacity: this.maxEntries,
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      expirations: this.expirations,
    };
  }

  /** Bytes held by the typed arrays (the whole footprint; no per-key objects exist). */
  memoryBytes(): number {
    return (
      this.keyHi.byteLength +
      this.keyLo.byteLength +
      this.expiry.byteLength +
      this.prev.byteLength +
      this.next.byteLength +
      this.table.byteLength
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private insert(hi: number, lo: number, now: number): void {
    let slot: number;
    const t = this.tail;
    if (t !== NONE && (this.expiry[t] as number) <= now) {
      this.expirations++;
      slot = this.detachTail();
    } else if (this.used < this.cap) {
      slot = this.used++;
    } else if (this.cap < this.maxEntries) {
      this.resize(Math.min(this.maxEntries, this.cap * 2));
      slot = this.used++;
    } else {
      this.evictions++;
      slot = this.detachTail();
    }
    this.keyHi[slot] = hi;
    this.keyLo[slot] = lo;
    this.expiry[slot] = now + this.ttlMs;
    this.tablePut(slot);
    this.linkHead(slot);
  }

  /** Unlinks the LRU tail and removes it from the table; returns its slot for reuse. */
  private detachTail(): number {
    const slot = this.tail;
    this.unlink(slot);
    this.tableRemove(slot);
    return slot;
  }

  private find(hi: number, lo: number): number {
    const table = this.table;
    const mask = this.mask;
    for (let p = lo & mask; ; p = (p + 1) & mask) {
      const v = table[p] as number;
      if (v === 0) return NONE;
      const s = v - 1;
      if (this.keyLo[s] === lo && this.keyHi[s] === hi) return s;
    }
  }

  private tablePut(slot: number): void {
    const mask = this.mask;
    let p = (this.keyLo[slot] as number) & mask;
    while (this.table[p] !== 0) p = (p + 1) & mask;
    this.table[p] = slot + 1;
  }

  /** Linear-probing delete with backward shift, so lookups never need tombstones. */
  private tableRemove(slot: number): void {
    const table = this.table;
    const mask = this.mask;
    let hole = (this.keyLo[slot] as number) & mask;
    while (table[hole] !== slot + 1) hole = (hole + 1) & mask;
    table[hole] = 0;
    for (let j = (hole + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const home = (this.keyLo[(table[j] as number) - 1] as number) & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        table[hole] = table[j] as number;
        table[j] = 0;
        hole = j;
      }
    }
  }

  private linkHead(slot: number): void {
    this.prev[slot] = NONE;
    this.next[slot] = this.head;
    if (this.head !== NONE) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail === NONE) this.tail = slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot] as number;
    const n = this.next[slot] as number;
    if (p !== NONE) this.next[p] = n;
    else this.head = n;
    if (n !== NONE) this.prev[n] = p;
    else this.tail = p;
  }

  private moveToHead(slot: number): void {
    if (this.head === slot) return;
    this.unlink(slot);
    this.linkHead(slot);
  }

  private resize(cap: number): void {
    const grow = <T extends Uint32Array | Int32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const a = make(cap);
      a.set(old);
      return a;
    };
    this.keyHi = grow(this.keyHi, (n) => new Uint32Array(n));
    this.keyLo = grow(this.keyLo, (n) => new Uint32Array(n));
    this.expiry = grow(this.expiry, (n) => new Float64Array(n));
    this.prev = grow(this.prev, (n) => new Int32Array(n));
    this.next = grow(this.next, (n) => new Int32Array(n));
    this.cap = cap;
    const size = nextPow2(cap * 2);
    this.table = new Int32Array(size);
    this.mask = size - 1;
    for (let s = 0; s < this.used; s++) this.tablePut(s);
  }
}
