/**
 * Canonical payload encoding: the fields of a layout in layout order, nothing else (no names,
 * no lengths except inside `str`). Equal payloads give equal bytes, which is what event ids
 * hash. Decoding is strict (exact length, enum index in range, valid UTF-8).
 */
import { ValidationError } from '../../core/index.js';
import { ByteReader, ByteWriter } from './bytes.js';
import type { FieldSpec, PayloadOf, PayloadType } from './layouts.js';
import { PAYLOAD_LAYOUTS } from './layouts.js';

type Values = Readonly<Record<string, unknown>>;

function writeField(w: ByteWriter, f: FieldSpec, v: unknown, type: string): void {
  const bad = (): never => {
    throw new ValidationError(`${type}.${f.name}: expected ${f.type}, got ${typeof v}`, [f.name]);
  };
  switch (f.type) {
    case 'u8':
      return void (typeof v === 'number' ? w.u8(v) : bad());
    case 'u16':
      return void (typeof v === 'number' ? w.u16(v) : bad());
    case 'u32':
      return void (typeof v === 'number' ? w.u32(v) : bad());
    case 'u64':
      return void (typeof v === 'bigint' ? w.u64(v) : bad());
    case 'i64':
    case 'fixed':
      return void (typeof v === 'bigint' ? w.i64(v) : bad());
    case 'bool':
      return void (typeof v === 'boolean' ? w.u8(v ? 1 : 0) : bad());
    case 'enum': {
      const i = typeof v === 'string' ? (f.values ?? []).indexOf(v) : -1;
      if (i < 0)
        throw new ValidationError(
          `${type}.${f.name}: "${String(v)}" is not one of ${(f.values ?? []).join('|')}`,
          [f.name],
        );
      return void w.u8(i);
    }
    case 'str':
      return void (typeof v === 'string' ? w.str(v) : bad());
    case 'addr':
      if (typeof v !== 'string' || !/^0x[0-9a-f]{40}$/.test(v)) {
        throw new ValidationError(`${type}.${f.name}: expected a lower-case 0x address`, [f.name]);
      }
      return void w.hex(v.slice(2), 20);
    case 'bytes32':
      if (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v)) {
        throw new ValidationError(`${type}.${f.name}: expected 64 lower-case hex digits`, [f.name]);
      }
      return void w.hex(v, 32);
  }
}

function readField(r: ByteReader, f: FieldSpec, type: string): unknown {
  switch (f.type) {
    case 'u8':
      return r.u8(f.name);
    case 'u16':
      return r.u16(f.name);
    case 'u32':
      return r.u32(f.name);
    case 'u64':
      return r.u64(f.name);
    case 'i64':
    case 'fixed':
      return r.i64(f.name);
    case 'bool': {
      const b = r.u8(f.name);
      if (b > 1) throw new ValidationError(`${type}.${f.name}: bool byte ${b}`, [f.name]);
      return b === 1;
    }
    case 'enum': {
      const i = r.u8(f.name);
      const v = f.values?.[i];
      if (v === undefined)
        throw new ValidationError(`${type}.${f.name}: enum index ${i} out of range`, [f.name]);
      return v;
    }
    case 'str':
      return r.str(f.name);
    case 'addr':
      return `0x${r.hex(20, f.name)}`;
    case 'bytes32':
      return r.hex(32, f.name);
  }
}

const shared = new ByteWriter(512);

/** The canonical bytes of a payload. Throws ValidationError naming the field on bad input. */
export function encodePayload<T extends PayloadType>(type: T, value: PayloadOf<T>): Uint8Array {
  const layout = PAYLOAD_LAYOUTS[type];
  if (layout === undefined)
    throw new ValidationError(`unknown payload type "${String(type)}"`, [String(type)]);
  const values = value as unknown as Values;
  shared.reset();
  for (const f of layout.fields as readonly FieldSpec[]) {
    if (!(f.name in values)) throw new ValidationError(`${type}.${f.name}: missing`, [f.name]);
    writeField(shared, f, values[f.name], type);
  }
  return shared.finish();
}

/** Decodes canonical bytes; rejects trailing bytes, so only canonical encodings round-trip. */
export function decodePayload<T extends PayloadType>(type: T, bytes: Uint8Array): PayloadOf<T> {
  const layout = PAYLOAD_LAYOUTS[type];
  const r = new ByteReader(bytes, type);
  const out: Record<string, unknown> = {};
  for (const f of layout.fields as readonly FieldSpec[]) out[f.name] = readField(r, f, type);
  r.end();
  return out as unknown as PayloadOf<T>;
}
