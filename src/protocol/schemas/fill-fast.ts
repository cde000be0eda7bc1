/**
 * Hand-written acceptors for the two hottest schemas, `Fill` and `Trade` (./fill.ts): every
 * live fill passes one of them, and zod's generic walk over 18 fields was the largest single
 * cost of the inbound path (#18). Each acceptor returns the value only when the zod schema
 * would accept it AND produce an equal value without transforming it; anything else returns
 * null and the caller runs the zod schema, which decides and words the error. So an acceptor
 * may be stricter than the schema, never looser: the property test
 * (test/protocol/schemas/fill-fast.test.ts) holds both to the same answers.
 */
import type { Fill, Trade } from './fill.js';
import { isDecimal, isLowerAddress, isRow, isWireInt, optional } from './wire-checks.js';

const isSide = (v: unknown): boolean => v === 'B' || v === 'A';

const isCoin = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

const isString = (v: unknown): boolean => typeof v === 'string';

/**
 * The raw row itself as a `Fill`, or null when zod must judge it. A `liquidation` object goes
 * to zod: its address is lower-cased there (a transform), and it is rare.
 */
export function acceptFill(raw: unknown): Fill | null {
  if (!isRow(raw)) return null;
  const ok =
    isCoin(raw['coin']) &&
    isDecimal(raw['px']) &&
    isDecimal(raw['sz']) &&
    isSide(raw['side']) &&
    isWireInt(raw['time']) &&
    typeof raw['crossed'] === 'boolean' &&
    isDecimal(raw['fee']) &&
    optional(raw['startPosition'], isDecimal) &&
    optional(raw['dir'], isString) &&
    optional(raw['closedPnl'], isDecimal) &&
    optional(raw['hash'], isString) &&
    optional(raw['oid'], isWireInt) &&
    optional(raw['tid'], isWireInt) &&
    optional(raw['feeToken'], isString) &&
    optional(raw['builderFee'], isDecimal) &&
    raw['liquidation'] === undefined &&
    optional(raw['cloid'], isString) &&
    optional(raw['twapId'], (v) => v === null || isWireInt(v));
  return ok ? (raw as Fill) : null;
}

/**
 * The raw row itself as a `Trade`, or null when zod must judge it. `users` must already be
 * lower-case (as the exchange sends them): zod would lower-case them, so the raw row would differ.
 */
export function acceptTrade(raw: unknown): Trade | null {
  if (!isRow(raw)) return null;
  const users = raw['users'];
  const ok =
    isCoin(raw['coin']) &&
    isSide(raw['side']) &&
    isDecimal(raw['px']) &&
    isDecimal(raw['sz']) &&
    isWireInt(raw['time']) &&
    typeof raw['hash'] === 'string' &&
    isWireInt(raw['tid']) &&
    Array.isArray(users) &&
    users.length === 2 &&
    isLowerAddress(users[0]) &&
    isLowerAddress(users[1]);
  return ok ? (raw as Trade) : null;
}
