import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/core/index.js';
import { DEFAULT_RECONNECT_POLICY } from '../../src/protocol/index.js';
import { defaultSubscribeRetry, subscribeRetryWith } from '../../src/listeners/index.js';

describe('subscribe retry policy', () => {
  const base = defaultSubscribeRetry({
    reconnect: {
      policy: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, maxAttempts: Infinity, jitter: 0 },
    },
  });

  it('defaults to the connection reconnect policy (or the protocol default) with no floor', () => {
    expect(base).toMatchObject({ policy: { initialDelayMs: 100, maxDelayMs: 1000 }, minIntervalMs: 0 });
    expect(defaultSubscribeRetry({}).policy).toBe(DEFAULT_RECONNECT_POLICY);
  });

  it('takes the fields a record sets, keeps the others, and adds the floor', () => {
    const r = subscribeRetryWith(base, { backoff: { factor: 3 }, resubscribeMinIntervalMs: 2500 });
    expect(r.policy).toEqual({
      initialDelayMs: 100,
      maxDelayMs: 1000,
      factor: 3,
      maxAttempts: Infinity,
      jitter: 0,
    });
    expect(r.minIntervalMs).toBe(2500);
    expect([1, 2, 3].map((a) => backoffDelay(r.policy, a))).toEqual([100, 300, 900]);
  });

  it('an initial delay above the service cap raises the cap instead of being ignored', () => {
    const r = subscribeRetryWith(base, { backoff: { initialDelayMs: 5000 } });
    expect(backoffDelay(r.policy, 1)).toBe(5000);
    expect(subscribeRetryWith(base, {}).policy).toEqual(base.policy);
  });
});
