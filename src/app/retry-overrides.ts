/**
 * An influencer record's `backoff` and `throttling.resubscribeMinIntervalMs` as the listener
 * layer's retry overrides for that record's address. Several records may follow one address
 * (one subscription serves them all): then the gentlest value of each field wins, so no record
 * gets its subscription retried harder than it asked for.
 */
import type { Influencer } from '../influencers/index.js';
import type { SubscribeRetryOverrides } from '../listeners/index.js';

type BackoffField = 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter';
const FIELDS: readonly BackoffField[] = ['initialDelayMs', 'maxDelayMs', 'factor', 'jitter'];

export function retryOverridesOf(
  influencers: Iterable<Influencer>,
  user: string,
): SubscribeRetryOverrides | undefined {
  const backoff: Partial<Record<BackoffField, number>> = {};
  let floor: number | undefined;
  let any = false;
  for (const i of influencers) {
    if (!i.enabled || i.address !== user) continue;
    for (const f of FIELDS) {
      const v = i.backoff[f];
      if (v === undefined) continue;
      backoff[f] = Math.max(backoff[f] ?? v, v);
      any = true;
    }
    const m = i.throttling.resubscribeMinIntervalMs;
    if (m !== undefined) {
      floor = Math.max(floor ?? m, m);
      any = true;
    }
  }
  if (!any) return undefined;
  return { backoff, ...(floor === undefined ? {} : { resubscribeMinIntervalMs: floor }) };
}
