/**
 * What a single fill means beyond its size: signed size, special kinds (own liquidation vs a
 * counterparty's, ADL, settlement, dust, vault netting, TWAP) and the `dir` cross-check.
 * `dir` is a display label with an open vocabulary (docs/hyperliquid-protocol.md §3.2): it never
 * decides an action; a disagreement or an unknown value is only reported.
 */
import type { Decimal, FillEvent, MarketClass } from '../core/index.js';
import { sign } from '../core/index.js';

export function signedSize(f: FillEvent): Decimal {
  return f.side === 'B' ? f.sz : f.sz.neg();
}

/** The tracked account itself was liquidated (not merely the counterparty of a liquidation). */
export function isOwnLiquidation(f: FillEvent): boolean {
  if (f.dir?.startsWith('Liquidated')) return true;
  const lu = f.liquidation?.liquidatedUser;
  return lu !== undefined && lu.toLowerCase() === f.user;
}

/** A liquidation marker that names someone else: we only absorbed their position. */
export function isCounterpartyLiquidation(f: FillEvent): boolean {
  return f.liquidation !== null && !isOwnLiquidation(f);
}

const SPECIAL_DIRS = new Set(['Auto-Deleveraging', 'Settlement', 'Spot Dust Conversion', 'Net Child Vaults']);
const LIQUIDATED_DIRS = new Set([
  'Liquidated Cross Long',
  'Liquidated Cross Short',
  'Liquidated Isolated Long',
  'Liquidated Isolated Short',
]);

export type DirCheck =
  | { readonly kind: 'ok' }
  | { readonly kind: 'skipped' }
  | { readonly kind: 'unknown'; readonly dir: string }
  | { readonly kind: 'mismatch'; readonly dir: string; readonly expected: string };

// Shared results: checkDir runs per fill and these two carry no data.
const SKIPPED: DirCheck = Object.freeze({ kind: 'skipped' });
const OK: DirCheck = Object.freeze({ kind: 'ok' });

/**
 * The `dir` a fill from `start` to `end` should carry. Special dirs (liquidation, ADL,
 * settlement, dust, vault netting) are known but not checked against the move.
 */
export function checkDir(f: FillEvent, start: Decimal, end: Decimal, cls: MarketClass): DirCheck {
  const dir = f.dir;
  if (dir === null || dir === '') return SKIPPED;
  if (SPECIAL_DIRS.has(dir) || LIQUIDATED_DIRS.has(dir)) return SKIPPED;
  let expected: string;
  if (cls === 'spot' || cls === 'outcome') {
    expected = f.side === 'B' ? 'Buy' : 'Sell';
  } else {
    const s0 = sign(start);
    const s1 = sign(end);
    if (s0 !== 0 && s1 !== 0 && s0 !== s1) expected = s0 > 0 ? 'Long > Short' : 'Short > Long';
    else if (end.abs().gt(start.abs())) expected = s1 > 0 ? 'Open Long' : 'Open Short';
    else expected = s0 > 0 ? 'Close Long' : 'Close Short';
  }
  if (dir === expected) return OK;
  const known = KNOWN_DIRS.has(dir);
  return known ? { kind: 'mismatch', dir, expected } : { kind: 'unknown', dir };
}

const KNOWN_DIRS = new Set([
  'Open Long',
  'Open Short',
  'Close Long',
  'Close Short',
  'Long > Short',
  'Short > Long',
  'Buy',
  'Sell',
  ...SPECIAL_DIRS,
  ...LIQUIDATED_DIRS,
]);

export function isKnownDir(dir: string): boolean {
  return KNOWN_DIRS.has(dir);
}
