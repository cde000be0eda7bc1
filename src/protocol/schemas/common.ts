/**
 * Wire primitives shared by every Hyperliquid schema. Amounts stay strings (validated as plain
 * decimals, parsed to Decimal only in the normalizer) so no float ever touches an amount; ids
 * are JSON numbers that must be safe integers. The error messages carry fixed markers so the
 * frame parser can classify a rejection as `bad_decimal` / `bad_address` and name the field.
 */
import { z } from 'zod';
import { isDecimalString } from '../../core/index.js';

export const DECIMAL_ISSUE = 'expected a plain decimal string';
/** Same reason code as DECIMAL_ISSUE (`bad_decimal`), named apart so the detail says why. */
export const DECIMAL_BOUNDS_ISSUE =
  'expected a plain decimal string of at most 20 integer and 20 fraction digits';
export const ADDRESS_ISSUE = 'expected an address (0x + 40 hex)';

/**
 * Bounds on every wire decimal: Hyperliquid sends at most ~8 fraction digits and positions far
 * below 1e20. Core Decimal arithmetic runs at 60 significant digits, so amounts within 20+20
 * digits, and sums of them, are exact: nothing is ever rounded silently. A longer string is
 * refused (dead-lettered), never cut.
 */
export const MAX_DECIMAL_INTEGER_DIGITS = 20;
export const MAX_DECIMAL_FRACTION_DIGITS = 20;
const BOUNDED_DECIMAL_RE = /^-?\d{1,20}(?:\.\d{1,20})?$/;

/** A plain decimal within the digit bounds above (checked after isDecimalString). */
export function isBoundedDecimal(s: string): boolean {
  return BOUNDED_DECIMAL_RE.test(s);
}

/** A decimal amount as Hyperliquid sends it: a string like "-0.0134", never a JSON number. */
export const DecimalString = z
  .string({ error: DECIMAL_ISSUE })
  .refine(isDecimalString, { message: DECIMAL_ISSUE, abort: true })
  .refine(isBoundedDecimal, { message: DECIMAL_BOUNDS_ISSUE });
export type DecimalString = z.infer<typeof DecimalString>;

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** An account address; accepted in any case, lower-cased on output (the canonical form). */
export const WireAddress = z
  .string({ error: ADDRESS_ISSUE })
  .regex(ADDRESS_RE, { message: ADDRESS_ISSUE })
  .transform((s) => s.toLowerCase());
export type WireAddress = z.infer<typeof WireAddress>;

/** Order / trade ids: JSON numbers, safe integers (u64 on the server, ~5e11 / <2^50 today). */
export const WireId = z.int().nonnegative();
export type WireId = z.infer<typeof WireId>;

/** Millisecond timestamps. */
export const WireTime = z.int().nonnegative();
export type WireTime = z.infer<typeof WireTime>;

/** B = buy/bid, A = sell/ask. */
export const WireSide = z.enum(['B', 'A']);
export type WireSide = z.infer<typeof WireSide>;

export const Coin = z.string().min(1);
export type Coin = z.infer<typeof Coin>;
