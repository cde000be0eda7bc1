/**
 * Fixed-point conversion for payload fields: an exact decimal string (the wire form of every
 * Hyperliquid number) to a scaled bigint and back. `exact` refuses to drop digits (the
 * normalizer turns that into a quarantine); `half-even` is for derived values such as a
 * volume-weighted average price, where the layout's scale is the agreed precision.
 */
import { ValidationError } from '../../core/index.js';

export type Rounding = 'exact' | 'half-even';

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** `"72264.5"` at scale 8 → `7226450000000n`. Throws ValidationError naming the value. */
export function toFixed(text: string, scale: number, rounding: Rounding = 'exact'): bigint {
  const m = DECIMAL.exec(text);
  if (m === null) throw new ValidationError(`not a plain decimal: "${text}"`, [text]);
  const negative = m[1] === '-';
  const whole = m[2] ?? '0';
  const frac = m[3] ?? '';
  let digits = BigInt(whole + frac.slice(0, scale).padEnd(scale, '0'));
  const dropped = frac.slice(scale);
  if (/[1-9]/.test(dropped)) {
    if (rounding === 'exact') {
      throw new ValidationError(`"${text}" has more than ${scale} decimal places`, [text]);
    }
    const half = '5'.padEnd(dropped.length, '0');
    const cmp = dropped < half ? -1 : dropped > half ? 1 : 0;
    if (cmp > 0 || (cmp === 0 && digits % 2n === 1n)) digits += 1n;
  }
  const v = negative ? -digits : digits;
  if (v < I64_MIN || v > I64_MAX)
    throw new ValidationError(`"${text}" overflows i64 at scale ${scale}`, [text]);
  return v;
}

/** The canonical decimal text of a scaled value: no exponent, no trailing zeros, no "-0". */
export function fromFixed(value: bigint, scale: number): string {
  const negative = value < 0n;
  const abs = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const whole = abs.slice(0, abs.length - scale);
  const frac = abs.slice(abs.length - scale).replace(/0+$/, '');
  const text = frac === '' ? whole : `${whole}.${frac}`;
  return negative && text !== '0' ? `-${text}` : text;
}

/** A JS number to fixed point via its shortest round-trip text (synthetic/fixture inputs). */
export function numberToFixed(n: number, scale: number, rounding: Rounding = 'half-even'): bigint {
  if (!Number.isFinite(n)) throw new ValidationError(`not a finite number: ${n}`, [String(n)]);
  const text = Math.abs(n) < 1e21 ? n.toFixed(Math.min(20, scale + 2)) : String(n);
  return toFixed(text, scale, rounding);
}
