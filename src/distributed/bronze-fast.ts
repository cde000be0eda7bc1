/**
 * A hand-written acceptor for the bronze record the processor reads most: `fills`, two copies
 * of every fill (groups A and B). zod's walk over every field of every fill was about a third
 * of decoding a bronze message, and decoding a fifth of the processor's time at 2 000 signals/s
 * (#17). Same contract as the listener's acceptors (src/protocol/schemas/fill-fast.ts): it
 * returns the value only when the zod schema (bronze-schema.ts) would accept it and return an
 * equal value; anything else is null, and zod decides and words the error. So it may be
 * stricter than the schema, never looser: test/distributed/bronze-fast.test.ts holds both to
 * the same answers.
 */
import { DELIVERY_KINDS, LISTENER_KINDS } from '../core/index.js';
import { BRONZE_ADDRESS_RE, BRONZE_DECIMAL_RE, BRONZE_SCHEMA_VERSION } from './bronze-schema.js';
import type { BronzeRecord } from './bronze-schema.js';

type Row = Record<string, unknown>;

const SOURCE_KINDS: ReadonlySet<unknown> = new Set([...LISTENER_KINDS, 'rest']);
const DELIVERIES: ReadonlySet<unknown> = new Set(DELIVERY_KINDS);

const isRow = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const isMs = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v);
const isDecimal = (v: unknown): boolean => typeof v === 'string' && BRONZE_DECIMAL_RE.test(v);
const isString = (v: unknown): boolean => typeof v === 'string';

/** Own enumerable keys: a strict object may hold no others than the ones checked. */
function keyCount(o: Row): number {
  let n = 0;
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) n++;
  return n;
}

function isLiquidation(v: unknown): boolean {
  if (v === null) return true;
  if (!isRow(v) || !isString(v['markPx']) || !isString(v['method'])) return false;
  const user = v['liquidatedUser'];
  if (user === undefined) return keyCount(v) === 2 && !('liquidatedUser' in v);
  return isString(user) && keyCount(v) === 3;
}

function isSource(v: unknown): boolean {
  return (
    isRow(v) &&
    isId(v['listenerId']) &&
    SOURCE_KINDS.has(v['listenerKind']) &&
    DELIVERIES.has(v['delivery']) &&
    isMs(v['receivedAt']) &&
    keyCount(v) === 4
  );
}

/** Every one of the 18 fields is required (nullable ones included), so 18 keys means no others. */
function isFill(f: unknown): boolean {
  return (
    isRow(f) &&
    isId(f['eventId']) &&
    typeof f['user'] === 'string' &&
    BRONZE_ADDRESS_RE.test(f['user']) &&
    isId(f['coin']) &&
    (f['side'] === 'B' || f['side'] === 'A') &&
    isDecimal(f['px']) &&
    isDecimal(f['sz']) &&
    isMs(f['time']) &&
    (f['startPosition'] === null || isDecimal(f['startPosition'])) &&
    (f['dir'] === null || isString(f['dir'])) &&
    (f['tid'] === null || isInt(f['tid'])) &&
    (f['oid'] === null || isInt(f['oid'])) &&
    (f['hash'] === null || isString(f['hash'])) &&
    (f['crossed'] === null || typeof f['crossed'] === 'boolean') &&
    (f['fee'] === null || isString(f['fee'])) &&
    (f['closedPnl'] === null || isString(f['closedPnl'])) &&
    isLiquidation(f['liquidation']) &&
    (f['twapId'] === null || isInt(f['twapId'])) &&
    isSource(f['source']) &&
    keyCount(f) === 18
  );
}

/** The parsed JSON itself as a `fills` BronzeRecord, or null when zod must judge it. */
export function acceptBronzeFills(json: unknown): BronzeRecord | null {
  if (!isRow(json) || json['kind'] !== 'fills') return null;
  const fills = json['fills'];
  const ok =
    json['v'] === BRONZE_SCHEMA_VERSION &&
    isId(json['influencerId']) &&
    isId(json['listenerId']) &&
    isMs(json['receivedAt']) &&
    Array.isArray(fills) &&
    keyCount(json) === 6 &&
    fills.every(isFill);
  return ok ? (json as BronzeRecord) : null;
}
