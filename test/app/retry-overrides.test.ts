import { describe, expect, it } from 'vitest';
import { retryOverridesOf } from '../../src/app/retry-overrides.js';
import { ADDR, rec } from '../influencers/fixtures.js';

describe('per-influencer subscribe retry overrides', () => {
  it('none when no record of the address sets backoff or throttling', () => {
    expect(retryOverridesOf([rec('a', 1), rec('b', 2, { backoff: { factor: 3 } })], ADDR(1))).toBeUndefined();
    expect(retryOverridesOf([], ADDR(1))).toBeUndefined();
  });

  it("a record's backoff fields and resubscribe floor, for its address only", () => {
    const list = [
      rec('a', 1, { backoff: { initialDelayMs: 2000 }, throttling: { resubscribeMinIntervalMs: 5000 } }),
      rec('b', 2),
    ];
    expect(retryOverridesOf(list, ADDR(1))).toEqual({
      backoff: { initialDelayMs: 2000 },
      resubscribeMinIntervalMs: 5000,
    });
    expect(retryOverridesOf(list, ADDR(2))).toBeUndefined();
  });

  it('several records on one address: the gentlest value of each field; disabled ones do not count', () => {
    const list = [
      rec('a', 1, { backoff: { initialDelayMs: 2000, factor: 2 } }),
      rec('b', 1, {
        backoff: { initialDelayMs: 500, factor: 4 },
        throttling: { resubscribeMinIntervalMs: 1000 },
      }),
      rec('c', 1, { enabled: false, throttling: { resubscribeMinIntervalMs: 60_000 } }),
    ];
    expect(retryOverridesOf(list, ADDR(1))).toEqual({
      backoff: { initialDelayMs: 2000, factor: 4 },
      resubscribeMinIntervalMs: 1000,
    });
  });
});
