/**
 * A compact set of sha256 ids for dedup and idempotent appends: the first 128 bits of each id
 * in an open-addressing table of u32 words (16 bytes per slot, load ≤ 0.5), so millions of ids
 * cost tens of MB instead of the ~150 bytes a JS string key in a Set costs. 128 bits make a
 * false "seen" practically impossible (≈ n²/2^129). `delete` shifts the probe run back
 * (linear probing needs no tombstones), so a set can serve as one generation of an LRU.
 */
const WORDS = 4;

export class IdSet {
  private table: Uint32Array;
  private mask: number;
  private count = 0;
  private hasZero = false;

  constructor(initialCapacity = 1024) {
    let slots = 16;
    while (slots < initialCapacity * 2) slots *= 2;
    this.table = new Uint32Array(slots * WORDS);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table (for memory-growth reports). */
  get bytes(): number {
    return this.table.byteLength;
  }

  has(idHex: string): boolean {
    const [a, b, c, d] = words(idHex);
    if ((a | b | c | d) === 0) return this.hasZero;
    return this.find(a, b, c, d) >= 0;
  }

  /** Adds the id; false when it was already present. */
  add(idHex: string): boolean {
    const [a, b, c, d] = words(idHex);
    if ((a | b | c | d) === 0) {
      const was = this.hasZero;
      this.hasZero = true;
      if (!was) this.count++;
      return !was;
    }
    if (this.find(a, b, c, d) >= 0) return false;
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.insert(a, b, c, d);
    this.count++;
    return true;
  }

  /** Removes the id; false when it was not present. */
  delete(idHex: string): boolean {
    const [a, b, c, d] = words(idHex);
    if ((a | b | c | d) === 0) {
      const was = this.hasZero;
      this.hasZero = false;
      if (was) this.count--;
      return was;
    }
    let i = this.find(a, b, c, d);
    if (i < 0) return false;
    // Backward-shift deletion: move later entries of the run into the hole when their home
    // slot does not lie cyclically in (hole, j], so every remaining id stays reachable.
    const t = this.table;
    const m = this.mask;
    let j = i;
    for (;;) {
      j = (j + 1) & m;
      const o = j * WORDS;
      const w0 = t[o] ?? 0;
      if ((w0 | (t[o + 1] ?? 0) | (t[o + 2] ?? 0) | (t[o + 3] ?? 0)) === 0) break;
      const home = w0 & m;
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      t.copyWithin(i * WORDS, o, o + WORDS);
      i = j;
    }
    t.fill(0, i * WORDS, i * WORDS + WORDS);
    this.count--;
    return true;
  }

  /** Empties the set, keeping its table (no reallocation). */
  clear(): void {
    this.table.fill(0);
    this.count = 0;
    this.hasZero = false;
  }

  private find(a: number, b: number, c: number, d: number): number {
    const t = this.table;
    let i = a & this.mask;
    for (;;) {
      const o = i * WORDS;
      const w0 = t[o] ?? 0;
      const w1 = t[o + 1] ?? 0;
      const w2 = t[o + 2] ?? 0;
      const w3 = t[o + 3] ?? 0;
      if ((w0 | w1 | w2 | w3) === 0) return -1;
      if (w0 === a && w1 === b && w2 === c && w3 === d) return i;
      i = (i + 1) & this.mask;
    }
  }

  private insert(a: number, b: number, c: number, d: number): void {
    const t = this.table;
    let i = a & this.mask;
    for (;;) {
      const o = i * WORDS;
      if (((t[o] ?? 0) | (t[o + 1] ?? 0) | (t[o + 2] ?? 0) | (t[o + 3] ?? 0)) === 0) {
        t[o] = a;
        t[o + 1] = b;
        t[o + 2] = c;
        t[o + 3] = d;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    this.mask = (this.mask + 1) * 2 - 1;
    for (let o = 0; o < old.length; o += WORDS) {
      const a = old[o] ?? 0;
      const b = old[o + 1] ?? 0;
      const c = old[o + 2] ?? 0;
      const d = old[o + 3] ?? 0;
      if ((a | b | c | d) !== 0) this.insert(a, b, c, d);
    }
  }
}

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

function word(s: string, at: number): number {
  let v = 0;
  for (let i = at; i < at + 8; i++) {
    const d = HEX[s.charCodeAt(i)] ?? -1;
    if (d < 0) throw new RangeError(`not a hex id: "${s.slice(0, 80)}"`);
    v = (v << 4) | d;
  }
  return v >>> 0;
}

/** The first 128 bits of a hex id as four unsigned words (no string slices: this runs per event). */
function words(idHex: string): [number, number, number, number] {
  if (idHex.length < 32) throw new RangeError(`id too short for IdSet: "${idHex}"`);
  return [word(idHex, 0), word(idHex, 8), word(idHex, 16), word(idHex, 24)];
}
