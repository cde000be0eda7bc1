/**
 * Plain predicates for the wire primitives of ./common.ts, for the hand-written acceptors
 * (./fill-fast.ts, ./frame-fast.ts). Each answers exactly what its zod counterpart accepts
 * without transforming; the acceptors' property tests hold them to it.
 */
import { isDecimalString } from '../../core/index.js';
import { isBoundedDecimal } from './common.js';

export type Row = Record<string, unknown>;

const LOWER_ADDRESS_RE = /^0x[0-9a-f]{40}$/;

/** A `z.looseObject` input: an object, not null, not an array. */
export function isRow(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** DecimalString: a plain decimal within the 20 + 20 digit bounds. */
export function isDecimal(v: unknown): boolean {
  return typeof v === 'string' && isDecimalString(v) && isBoundedDecimal(v);
}

/** WireId / WireTime: `z.int().nonnegative()`. */
export function isWireInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** WireAddress that its transform would return unchanged (already lower-case). */
export function isLowerAddress(v: unknown): boolean {
  return typeof v === 'string' && LOWER_ADDRESS_RE.test(v);
}

/** `.optional()`: absent, or passing `check`. */
export function optional(v: unknown, check: (x: unknown) => boolean): boolean {
  return v === undefined || check(v);
}
