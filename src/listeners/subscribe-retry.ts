/**
 * How a refused subscribe is tried again (ManagedConnection): by default the connection's
 * reconnect policy without a floor; an influencer's record may override the backoff fields
 * and set a floor between tries (`backoff.*`, `throttling.resubscribeMinIntervalMs`), for an
 * account whose subscriptions ops want retried more gently (or more eagerly) than the rest.
 */
import type { RetryPolicy } from '../core/index.js';
import { DEFAULT_RECONNECT_POLICY } from '../protocol/index.js';
import type { ConnectionTuning, SubscribeRetry, SubscribeRetryOverrides } from './types.js';

export function defaultSubscribeRetry(tuning: ConnectionTuning): SubscribeRetry {
  const random = tuning.reconnect?.random;
  return {
    policy: tuning.reconnect?.policy ?? DEFAULT_RECONNECT_POLICY,
    minIntervalMs: 0,
    ...(random ? { random } : {}),
  };
}

/** `base` with the fields an influencer record sets; unset fields keep the service's values. */
export function subscribeRetryWith(base: SubscribeRetry, o: SubscribeRetryOverrides): SubscribeRetry {
  const b = o.backoff ?? {};
  const policy: RetryPolicy = {
    ...base.policy,
    ...(b.initialDelayMs === undefined ? {} : { initialDelayMs: b.initialDelayMs }),
    ...(b.maxDelayMs === undefined ? {} : { maxDelayMs: b.maxDelayMs }),
    ...(b.factor === undefined ? {} : { factor: b.factor }),
    ...(b.jitter === undefined ? {} : { jitter: b.jitter }),
  };
  // An initialDelayMs above the cap raises the cap with it (otherwise it would be ignored).
  const capped = { ...policy, maxDelayMs: Math.max(policy.maxDelayMs, policy.initialDelayMs) };
  return {
    ...base,
    policy: capped,
    minIntervalMs: Math.max(base.minIntervalMs, o.resubscribeMinIntervalMs ?? 0),
  };
}
