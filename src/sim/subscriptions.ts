/**
 * Subscription requests as the server understands them: validation, the normalized form the
 * ack echoes (user lower-cased, defaults such as `aggregateByTime:false` and `dex:""` added),
 * a stable key for duplicate detection, and the user a subscription counts against the
 * per-IP unique-user cap. Unknown or removed types (e.g. `webData2`) are parse errors. The
 * market feeds (`trades`, `candle`, `bbo`, `activeAssetCtx`) take a coin and count against the
 * subscription cap only.
 */
import { isAddress } from '../core/index.js';
import { isCandleInterval, type CandleInterval } from './candles.js';

export type NormalizedSub =
  | { type: 'userFills'; user: string; aggregateByTime: boolean }
  | { type: 'userEvents'; user: string }
  | { type: 'orderUpdates'; user: string }
  | { type: 'clearinghouseState'; user: string; dex: string }
  | { type: 'allDexsClearinghouseState'; user: string }
  | { type: 'userTwapSliceFills'; user: string }
  | { type: 'trades'; coin: string }
  | { type: 'candle'; coin: string; interval: CandleInterval }
  | { type: 'bbo'; coin: string }
  | { type: 'activeAssetCtx'; coin: string };

export type SubParse =
  { ok: true; sub: NormalizedSub; key: string } | { ok: false; error: 'parse' | 'invalid' };

const USER_TYPES = new Set([
  'userFills',
  'userEvents',
  'orderUpdates',
  'clearinghouseState',
  'allDexsClearinghouseState',
  'userTwapSliceFills',
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function subKey(sub: NormalizedSub): string {
  const o = sub as unknown as Record<string, unknown>;
  return JSON.stringify(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}

export function subUser(sub: NormalizedSub): string | undefined {
  return 'user' in sub ? sub.user : undefined;
}

export function normalizeSub(raw: unknown): SubParse {
  if (!isRecord(raw) || typeof raw['type'] !== 'string') return { ok: false, error: 'parse' };
  const type = raw['type'];
  let sub: NormalizedSub;
  if (USER_TYPES.has(type)) {
    const u = raw['user'];
    if (typeof u !== 'string') return { ok: false, error: 'parse' };
    if (!isAddress(u)) return { ok: false, error: 'invalid' };
    const user = u.toLowerCase();
    switch (type) {
      case 'userFills': {
        const agg = raw['aggregateByTime'] ?? false;
        if (typeof agg !== 'boolean') return { ok: false, error: 'parse' };
        sub = { type, user, aggregateByTime: agg };
        break;
      }
      case 'clearinghouseState': {
        const dex = raw['dex'] ?? '';
        if (typeof dex !== 'string') return { ok: false, error: 'parse' };
        sub = { type, user, dex };
        break;
      }
      default:
        sub = { type: type as 'userEvents', user };
    }
  } else if (type === 'trades' || type === 'bbo' || type === 'activeAssetCtx' || type === 'candle') {
    const coin = raw['coin'];
    if (typeof coin !== 'string' || coin.length === 0) return { ok: false, error: 'parse' };
    if (type === 'candle') {
      // An interval outside the server's enum does not deserialize: a parse error, like a bad type.
      const interval = raw['interval'];
      if (!isCandleInterval(interval)) return { ok: false, error: 'parse' };
      sub = { type, coin, interval };
    } else sub = { type, coin };
  } else {
    return { ok: false, error: 'parse' };
  }
  return { ok: true, sub, key: subKey(sub) };
}
