/**
 * Hand-written acceptors for the frames every influencer's user-stream listener gets each
 * block it trades in: `userFills` (its envelope; the fills are judged one by one by FillGuard)
 * and the position state pushes `clearinghouseState` / `allDexsClearinghouseState`, nested
 * objects that zod walked field by field on every push (#18). Same contract as ./fill-fast.ts:
 * the raw frame comes back only when its zod schema (./ws.ts, ./state.ts) would accept it and
 * return an equal value, i.e. with nothing to transform (addresses already lower-case);
 * otherwise null, and the frame parser runs zod, which decides and words the error.
 */
import type { AnyFrame } from './ws.js';
import { isDecimal, isLowerAddress, isRow, isWireInt } from './wire-checks.js';
import type { Row } from './wire-checks.js';

const optionalDecimal = (v: unknown): boolean => v === undefined || isDecimal(v);

const nullableDecimal = (v: unknown): boolean => v === undefined || v === null || isDecimal(v);

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
  return (
    Array.isArray(positions) &&
    positions.every(isAssetPosition) &&
    isMarginSummary(v['marginSummary']) &&
    isMarginSummary(v['crossMarginSummary']) &&
    optionalDecimal(v['crossMaintenanceMarginUsed']) &&
    optionalDecimal(v['withdrawable']) &&
    isWireInt(v['time'])
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
