/**
 * Subscription identity (docs/hyperliquid-protocol.md §1.2–§1.3). The server echoes a *normalized*
 * subscription (defaults added, address lower-cased), so we normalize requests the same way
 * to get a stable registry key, and match acks loosely: every field of our normalized request
 * must appear, case-insensitively equal, in the normalized echo (what nktkas `_id.ts` does).
 */
import { z } from 'zod';
import { ValidationError } from '../core/index.js';
import { WireAddress } from './schemas/common.js';
import { CandleInterval } from './schemas/market.js';

/** What callers subscribe to. Only the types this service uses are modelled. */
export const Subscription = z.discriminatedUnion('type', [
  z.object({ type: z.literal('userFills'), user: z.string(), aggregateByTime: z.boolean().optional() }),
  z.object({ type: z.literal('userEvents'), user: z.string() }),
  z.object({ type: z.literal('orderUpdates'), user: z.string() }),
  z.object({ type: z.literal('clearinghouseState'), user: z.string(), dex: z.string().optional() }),
  z.object({ type: z.literal('allDexsClearinghouseState'), user: z.string() }),
  z.object({ type: z.literal('userTwapSliceFills'), user: z.string() }),
  z.object({ type: z.literal('trades'), coin: z.string().min(1) }),
  z.object({ type: z.literal('candle'), coin: z.string().min(1), interval: CandleInterval }),
  z.object({ type: z.literal('bbo'), coin: z.string().min(1) }),
  z.object({ type: z.literal('activeAssetCtx'), coin: z.string().min(1) }),
]);
export type Subscription = z.infer<typeof Subscription>;

type Scalar = string | number | boolean | null;
export type NormalizedSubscription = Readonly<Record<string, Scalar>>;

/** Defaults the server fills into its echo (§1.3, §2.2, §2.5). */
const DEFAULTS: Readonly<Record<string, Readonly<Record<string, Scalar>>>> = {
  userFills: { aggregateByTime: false },
  clearinghouseState: { dex: '' },
};

/** Subscriptions with a `user` field count against the per-IP unique-user cap (§5.1). */
export function userOf(sub: { readonly [k: string]: unknown }): string | null {
  const u = sub['user'];
  return typeof u === 'string' ? u.toLowerCase() : null;
}

/**
 * Defaults added, addresses lower-cased, only scalar fields kept. Throws ValidationError for a
 * request with a malformed user address (a clear error beats the server's parse error).
 */
export function normalizeSubscription(sub: {
  readonly type: string;
  readonly [k: string]: unknown;
}): NormalizedSubscription {
  const out: Record<string, Scalar> = { ...(DEFAULTS[sub.type] ?? {}) };
  for (const [k, v] of Object.entries(sub)) {
    if (v === undefined) continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean' && v !== null) continue;
    out[k] = v;
  }
  if (typeof out['user'] === 'string') {
    const r = WireAddress.safeParse(out['user']);
    if (!r.success) {
      throw new ValidationError(
        `invalid subscription user ${JSON.stringify(out['user'])}: expected 0x + 40 hex`,
        ['user: expected 0x + 40 hex'],
      );
    }
    out['user'] = r.data;
  }
  return out;
}

/** Stable registry key: sorted keys, normalized values. */
export function subscriptionKey(sub: { readonly type: string; readonly [k: string]: unknown }): string {
  const n = normalizeSubscription(sub);
  const keys = Object.keys(n).sort();
  return JSON.stringify(keys.map((k) => [k, n[k]]));
}

function eqLoose(a: Scalar | undefined, b: Scalar | undefined): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

/**
 * True when `echo` acknowledges `request`: every field of the normalized request is present
 * and case-insensitively equal in the normalized echo. Extra echo fields are fine.
 */
export function ackMatches(
  request: { readonly type: string; readonly [k: string]: unknown },
  echo: { readonly type: string; readonly [k: string]: unknown },
): boolean {
  let req: NormalizedSubscription;
  let ech: NormalizedSubscription;
  try {
    req = normalizeSubscription(request);
    ech = normalizeSubscription(echo);
  } catch {
    return false;
  }
  for (const [k, v] of Object.entries(req)) {
    if (!eqLoose(v, ech[k])) return false;
  }
  return true;
}
