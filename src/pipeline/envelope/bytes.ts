/**
 * Big-endian byte writer and reader for the canonical encodings (payloads, envelope, event-id
 * framing). One growable buffer per writer; readers check every bound and throw a
 * ValidationError that says what was truncated, so hostile bytes never crash a stage.
 */
import { ValidationError } from '../../core/index.js';

const U64_MAX = 2n ** 64n - 1n;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

const ASCII_FAST_MAX = 64;
/** Hex digit values by char code (-1: not a hex digit). */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = HEX_VALUE[65 + i] = 10 + i;

const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabPos = 0;

/** The first `n` bytes of `src` copied into the current slab (a fresh one when it is full). */
function slabCopy(src: Uint8Array, n: number): Uint8Array {
  if (n > SLAB_BYTES / 8) return new Uint8Array(src.subarray(0, n)); // not Buffer#slice: that shares
  if (slabPos + n > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabPos = 0;
  }
  const out = slab.subarray(slabPos, slabPos + n);
  out.set(src.subarray(0, n));
  // Keep each copy 8-aligned so a later DataView over it reads aligned words.
  slabPos = (slabPos + n + 7) & ~7;
  return out;
}

export class ByteWriter {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;

  constructor(initial = 256) {
    // Not from the shared pool: the writer is long-lived and reused.
    this.buf = Buffer.allocUnsafeSlow(initial);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff)
      throw new ValidationError(`u8 out of range: ${v}`, [String(v)]);
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff)
      throw new ValidationError(`u16 out of range: ${v}`, [String(v)]);
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
      throw new ValidationError(`u32 out of range: ${v}`, [String(v)]);
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
    return this;
  }

  u64(v: bigint): this {
    if (v < 0n || v > U64_MAX) throw new ValidationError(`u64 out of range: ${v}`, [String(v)]);
    this.ensure(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
    return this;
  }

  /** A non-negative safe integer (times in ms) as u64. */
  u64n(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new ValidationError(`u64 out of range: ${v}`, [String(v)]);
    this.ensure(8);
    this.view.setUint32(this.pos, Math.floor(v / 2 ** 32));
    this.view.setUint32(this.pos + 4, v >>> 0);
    this.pos += 8;
    return this;
  }

  i64(v: bigint): this {
    if (v < I64_MIN || v > I64_MAX) throw new ValidationError(`i64 out of range: ${v}`, [String(v)]);
    this.ensure(8);
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** u16 length + UTF-8 (written in place: no intermediate array per string). */
  str(s: string): this {
    // Envelope strings are short ASCII ids (source, connector, market, partition key): writing
    // them in JS skips two native calls (byteLength, write) per string, 7 strings per event.
    if (s.length <= ASCII_FAST_MAX) {
      this.ensure(2 + s.length);
      if (this.ascii(s, this.pos + 2)) {
        this.view.setUint16(this.pos, s.length);
        this.pos += 2 + s.length;
        return this;
      }
    }
    this.u16(Buffer.byteLength(s, 'utf8'));
    return this.utf8(s);
  }

  /** u32 length + UTF-8 (the event-id framing): the length is patched in after the bytes. */
  str32(s: string): this {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    this.utf8(s);
    this.view.setUint32(at, this.pos - at - 4);
    return this;
  }

  /** UTF-8 bytes, no length. */
  utf8(s: string): this {
    if (s.length <= ASCII_FAST_MAX) {
      this.ensure(s.length);
      if (this.ascii(s, this.pos)) {
        this.pos += s.length;
        return this;
      }
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
    return this;
  }

  /** Writes `s` at `at` when it is all ASCII (room already ensured); false, with nothing promised written, otherwise. */
  private ascii(s: string, at: number): boolean {
    const b = this.buf;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      b[at + i] = c;
    }
    return true;
  }

  /** u32 length + bytes. */
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    return this.raw(b);
  }

  /** Exactly `n` bytes from lower-case or upper-case hex, no 0x. */
  hex(h: string, n: number): this {
    this.ensure(n);
    // In JS rather than Buffer.write (a native call per id, twice per event): any non-hex
    // character or a wrong length is bad input.
    const b = this.buf;
    let bad = h.length !== n * 2;
    for (let i = 0; i < n && !bad; i++) {
      const hi = HEX_VALUE[h.charCodeAt(2 * i)] ?? -1;
      const lo = HEX_VALUE[h.charCodeAt(2 * i + 1)] ?? -1;
      if ((hi | lo) < 0) bad = true;
      else b[this.pos + i] = (hi << 4) | lo;
    }
    if (bad) throw new ValidationError(`expected ${n} bytes of hex, got "${h.slice(0, 80)}"`, [h]);
    this.pos += n;
    return this;
  }

  get length(): number {
    return this.pos;
  }

  /**
   * A copy of what was written (the writer may be reused), carved from a shared slab: one
   * ArrayBuffer per event (payload and envelope) was a large part of the ingest bench's GC.
   */
  finish(): Uint8Array {
    return slabCopy(this.buf, this.pos);
  }

  /** A view of what was written, valid until the next write or reset (for hashing in place). */
  view_(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }
}

export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(
    private readonly buf: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.buf.length) {
      throw new ValidationError(
        `${this.what}: truncated at ${field} (offset ${this.pos}, needs ${n} bytes)`,
        [field],
      );
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  /** u64 that must be a safe integer (times in ms). */
  u64n(field: string): number {
    this.need(8, field);
    const v = this.view.getUint32(this.pos) * 2 ** 32 + this.view.getUint32(this.pos + 4);
    this.pos += 8;
    if (!Number.isSafeInteger(v)) throw new ValidationError(`${this.what}: ${field} exceeds 2^53`, [field]);
    return v;
  }

  i64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  raw(n: number, field: string): Uint8Array {
    this.need(n, field);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  str(field: string): string {
    const n = this.u16(field);
    try {
      return utf8Strict.decode(this.raw(n, field));
    } catch (e) {
      if (e instanceof ValidationError) throw e;
      throw new ValidationError(`${this.what}: ${field} is not valid UTF-8`, [field]);
    }
  }

  bytes(field: string): Uint8Array {
    return this.raw(this.u32(field), field);
  }

  hex(n: number, field: string): string {
    return Buffer.from(this.raw(n, field)).toString('hex');
  }

  get offset(): number {
    return this.pos;
  }

  /** Throws when bytes are left over: a canonical encoding has exactly one length. */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new ValidationError(`${this.what}: ${this.buf.length - this.pos} trailing bytes`, ['trailing']);
    }
  }
}
