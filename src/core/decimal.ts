/**
 * Exact decimal arithmetic. Hyperliquid sends every amount as a decimal string; we parse
 * into decimal.js with enough precision that sums of fills never round (sizes carry at most
 * ~10 decimals, positions can reach 1e12), and we never touch JS floats for amounts.
 */
import { Decimal as DecimalJs } from 'decimal.js';

/** A private clone so no other library can change our precision or rounding. */
export const Decimal = DecimalJs.clone({
  precision: 60,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -40,
  toExpPos: 40,
});
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO = new Decimal(0);

const DECIMAL_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$|^-?0\d*(?:\.\d+)?$/;

/** True when `s` is a plain decimal string as Hyperliquid sends them (no exponent, no NaN). */
export function isDecimalString(s: string): boolean {
  return DECIMAL_RE.test(s);
}

/** Parse a wire decimal string; throws RangeError on anything that is not a plain decimal. */
export function dec(s: string): Decimal {
  if (!isDecimalString(s)) throw new RangeError(`not a decimal string: ${JSON.stringify(s)}`);
  return new Decimal(s);
}

/** Canonical text: no exponent, no trailing zeros, "-0" normalized to "0". Used in ids and the contract. */
export function decStr(d: Decimal): string {
  if (d.isZero()) return '0';
  return d.toFixed();
}

export function sign(d: Decimal): -1 | 0 | 1 {
  return d.isZero() ? 0 : d.isNegative() ? -1 : 1;
}
