/**
 * Hand-written acceptors for the frames every influencer's user-stream listener gets each
 * block it trades in: `userFills` (its envelope; the fills are judged one by one by FillGuard)
 * and the position state pushes `clearinghouseState` / `allDexsClearinghouseState`, nested
 * objects that zod walked field by field on every push (#18). Same contract as ./fill-fast.ts:
 * the raw frame comes back only when its zod schema (./ws.ts, ./state.ts) would accept it and
 * return an equal value, i.e. with nothing to transform (addresses already lower-case);
 * otherwise null, and the frame parser runs zod, which decides and words the error.
 */
import { isDecimalString } from '../../core/index.js';
import { isBoundedDecimal } from './common.js';
import type { AnyFrame } from './ws.js';

type Row = Record<string, unknown>;

const LOWER_ADDRESS_RE = /^0x[0-9a-f]{40}$/;

function isRow(v: unknown): v is Row {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isDecimal(v: unknown): boolean {
  return typeof v === 'string' && isDecimalString(v) && isBoundedDecimal(v);
}

const optionalDecimal = (v: unknown): boolean => v === undefined || isDecimal(v);

const nullableDecimal = (v: unknown): boolean => v === undefined || v === null || isDecimal(v);

const isLowerAddress = (v: unknown): boolean => typeof v === 'string' && LOWER_ADDRESS_RE.test(v);

/** `Leverage`: `value` is `z.number()`, which refuses NaN and the infinities. */
function isLeverage(v: unknown): boolean {
  return (
    isRow(v) &&
    typeof v['type'] === 'string' &&
    typeof v['value'] === 'number' &&
    Number.isFinite(v['value']) &&
    optionalDecimal(v['rawUsd'])
  );
}

function isAssetPosition(v: unknown): boolean {
  if (!isRow(v) || typeof v['type'] !== 'string') return false;
  const p = v['position'];
  return (
    isRow(p) &&
    typeof p['coin'] === 'string' &&
    p['coin'].length > 0 &&
    isDecimal(p['szi']) &&
    nullableDecimal(p['entryPx']) &&
    (p['leverage'] === undefined || isLeverage(p['leverage'])) &&
    nullableDecimal(p['liquidationPx']) &&
    optionalDecimal(p['positionValue']) &&
    optionalDecimal(p['unrealizedPnl']) &&
    optionalDecimal(p['marginUsed'])
  );
}

function isMarginSummary(v: unknown): boolean {
  return (
    v === undefined ||
    (isRow(v) &&
      isDecimal(v['accountValue']) &&
      isDecimal(v['totalMarginUsed']) &&
      isDecimal(v['totalNtlPos']) &&
      isDecimal(v['totalRawUsd']))
  );
}

function isClearinghouseState(v: unknown): boolean {
  if (!isRow(v)) return false;
  const positions = v['assetPositions'];
  const time = v['time'];
  return (
    Array.isArray(positions) &&
    positions.every(isAssetPosition) &&
    isMarginSummary(v['marginSummary']) &&
    isMarginSummary(v['crossMarginSummary']) &&
    optionalDecimal(v['crossMaintenanceMarginUsed']) &&
    optionalDecimal(v['withdrawable']) &&
    typeof time === 'number' &&
    Number.isSafeInteger(time) &&
    time >= 0
  );
}

function isDexState(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && isClearinghouseState(v[1]);
}

/** The frame itself when it is one of the channels above and needs nothing from zod; else null. */
export function acceptFrame(frame: Row): AnyFrame | null {
  const data = frame['data'];
  if (!isRow(data) || !isLowerAddress(data['user'])) return null;
  switch (frame['channel']) {
    case 'userFills': {
      const snapshot = data['isSnapshot'];
      const ok = (snapshot === undefined || typeof snapshot === 'boolean') && Array.isArray(data['fills']);
      return ok ? (frame as AnyFrame) : null;
    }
    case 'clearinghouseState':
      return typeof data['dex'] === 'string' && isClearinghouseState(data['clearinghouseState'])
        ? (frame as AnyFrame)
        : null;
    case 'allDexsClearinghouseState': {
      const states = data['clearinghouseStates'];
      return Array.isArray(states) && states.every(isDexState) ? (frame as AnyFrame) : null;
    }
    default:
      return null;
  }
}
