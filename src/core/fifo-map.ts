/**
 * Insertion-ordered Map and Set whose oldest entry is found in O(1).
 *
 * Why not a plain Map: V8 keeps a deleted entry's slot as a hole until the table is rehashed,
 * and `map.keys().next()` walks every hole before the first live entry. A map used as a FIFO
 * (evict the oldest at a bound, or sweep expired entries from the front) piles its holes up
 * exactly there. Measured on Node 20 (bench/fifo-windows.ts): evicting the oldest of a
 * 100 000-id Set costs ~40-60 µs per insert once the bound is reached, and a 17 000-entry map
 * swept by age ~13-24 µs per read of its oldest.
 *
 * Here the order is a queue of slots (key and value arrays) and the map holds each key's
 * position in it. delete() empties the key's slot; the oldest is the first filled slot from
 * the queue's head, and emptied slots are skipped once as the head passes them. The queue is
 * trimmed once most of it is behind the head, and rebuilt once emptied slots outnumber the
 * live by more than 1024 (entries deleted before they got to the front), so it stays within
 * twice the map. Every operation is O(1) amortized, with no object per entry.
 *
 * Keys must not be `undefined` (an empty slot is one).
 */
export class FifoMap<K, V> {
  /** Key -> absolute position of its slot (index + base). */
  private readonly pos = new Map<K, number>();
  private keys: (K | undefined)[] = [];
  private vals: (V | undefined)[] = [];
  /** Absolute position of keys[0]: trimming the front does not move anyone's position. */
  private base = 0;
  /** Index of the first slot not yet passed. */
  private head = 0;
  /** Emptied slots at or after the head. */
  private emptied = 0;
  /** Bumped when a rebuild moves slots, which an iteration in progress cannot survive. */
  private layout = 0;

  get size(): number {
    return this.pos.size;
  }

  /** Slots held, emptied ones included (at most 2 × size + 1024 after any set). */
  get queueLength(): number {
    return this.keys.length - this.head;
  }

  has(key: K): boolean {
    return this.pos.has(key);
  }

  get(key: K): V | undefined {
    const p = this.pos.get(key);
    return p === undefined ? undefined : this.vals[p - this.base];
  }

  /** Adds `key` as the newest entry; a key already present keeps its place (Map semantics). */
  set(key: K, value: V): this {
    const p = this.pos.get(key);
    if (p !== undefined) {
      this.vals[p - this.base] = value;
      return this;
    }
    this.pos.set(key, this.base + this.keys.length);
    this.keys.push(key);
    this.vals.push(value);
    this.tidy();
    return this;
  }

  delete(key: K): boolean {
    const p = this.pos.get(key);
    if (p === undefined) return false;
    this.pos.delete(key);
    const i = p - this.base;
    // Emptied now, so the key and value can go before the head gets here.
    this.keys[i] = undefined;
    this.vals[i] = undefined;
    if (i >= this.head) this.emptied++;
    return true;
  }

  /** The oldest key, or undefined when empty. */
  oldestKey(): K | undefined {
    const i = this.front();
    return i < 0 ? undefined : this.keys[i];
  }

  /** The oldest value, or undefined when empty. */
  oldest(): V | undefined {
    const i = this.front();
    return i < 0 ? undefined : this.vals[i];
  }

  /** Removes the oldest entry and returns its key, or undefined when empty. */
  shift(): K | undefined {
    const key = this.oldestKey();
    if (key !== undefined) this.delete(key);
    return key;
  }

  clear(): void {
    this.pos.clear();
    this.keys = [];
    this.vals = [];
    this.base = 0;
    this.head = 0;
    this.emptied = 0;
    this.layout++;
  }

  /**
   * Live entries from the oldest. Deleting entries (the one just yielded included) while
   * iterating is fine; adding is not (a rebuild would move the slots: it throws).
   */
  *entries(): Generator<[K, V]> {
    const layout = this.layout;
    for (let p = this.base + this.head; p < this.base + this.keys.length; p++) {
      if (this.layout !== layout) throw new Error('FifoMap: entries added while iterating');
      const key = this.keys[p - this.base];
      if (key !== undefined) yield [key, this.vals[p - this.base] as V];
    }
  }

  [Symbol.iterator](): Generator<[K, V]> {
    return this.entries();
  }

  /** Index of the oldest filled slot (passing emptied ones for good), or -1 when none. */
  private front(): number {
    while (this.head < this.keys.length) {
      if (this.keys[this.head] !== undefined) return this.head;
      this.head++;
      this.emptied--;
    }
    return -1;
  }

  /** Keeps the queue in proportion to the map; O(queue) only after as many sets. */
  private tidy(): void {
    if (this.emptied > this.pos.size + 1024) this.rebuild();
    else if (this.head >= 1024 && this.head * 2 >= this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.vals = this.vals.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  private rebuild(): void {
    const keys: K[] = [];
    const vals: V[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      const key = this.keys[i];
      if (key === undefined) continue;
      this.pos.set(key, keys.length);
      keys.push(key);
      vals.push(this.vals[i] as V);
    }
    this.keys = keys;
    this.vals = vals;
    this.base = 0;
    this.head = 0;
    this.emptied = 0;
    this.layout++;
  }
}

/** A Set in insertion order with O(1) `oldest()` / `shift()` (a FifoMap of its members). */
export class FifoSet<K> {
  private readonly map = new FifoMap<K, true>();

  get size(): number {
    return this.map.size;
  }

  /** Slots held, emptied ones included (at most 2 × size + 1024 after any add). */
  get queueLength(): number {
    return this.map.queueLength;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Adds `key` as the newest member; one already present keeps its place (Set semantics). */
  add(key: K): this {
    this.map.set(key, true);
    return this;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** The oldest member, or undefined when empty. */
  oldest(): K | undefined {
    return this.map.oldestKey();
  }

  /** Removes the oldest member and returns it, or undefined when empty. */
  shift(): K | undefined {
    return this.map.shift();
  }

  clear(): void {
    this.map.clear();
  }

  *values(): Generator<K> {
    for (const [key] of this.map) yield key;
  }

  [Symbol.iterator](): Generator<K> {
    return this.values();
  }
}
