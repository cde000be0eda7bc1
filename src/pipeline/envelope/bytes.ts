/**
 * Big-endian byte writer and reader for the canonical encodings (payloads, envelope, event-id
 * framing). One growable buffer per writer; readers check every bound and throw a
 * ValidationError that says what was truncated, so hostile bytes never crash a stage.
 */
import { ValidationError } from '../../core/index.js';

const U64_MAX = 2n ** 64n - 1n;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
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

  /** u16 length + UTF-8. */
  str(s: string): this {
    const b = utf8.encode(s);
    this.u16(b.length);
    return this.raw(b);
  }

  /** u32 length + bytes. */
  bytes(b: Uint8Array): this {
    this.u32(b.length);
    return this.raw(b);
  }

  /** Exactly `n` bytes from lower-case or upper-case hex, no 0x. */
  hex(h: string, n: number): this {
    if (h.length !== n * 2 || !/^[0-9a-fA-F]*$/.test(h)) {
      throw new ValidationError(`expected ${n} bytes of hex, got "${h.slice(0, 80)}"`, [h]);
    }
    return this.raw(Buffer.from(h, 'hex'));
  }

  get length(): number {
    return this.pos;
  }

  /** A copy of what was written (the writer may be reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
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
