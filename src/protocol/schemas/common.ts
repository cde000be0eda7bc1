/**
 * Wire primitives shared by every Hyperliquid schema. Amounts stay strings (validated as plain
 * decimals, parsed to Decimal only in the normalizer) so no float ever touches an amount; ids
 * are JSON numbers that must be safe integers. The error messages carry fixed markers so the
 * frame parser can classify a rejection as `bad_decimal` / `bad_address` and name the field.
 */
import { z } from 'zod';
import { isDecimalString } from '../../core/index.js';

export const DECIMAL_ISSUE = 'expected a plain decimal string';
export const ADDRESS_ISSUE = 'expected an address (0x + 40 hex)';

/** A decimal amount as Hyperliquid sends it: a string like "-0.0134", never a JSON number. */
export const DecimalString = z
  .string({ error: DECIMAL_ISSUE })
  .refine(isDecimalString, { message: DECIMAL_ISSUE });
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
