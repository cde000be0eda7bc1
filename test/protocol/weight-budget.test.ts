import { describe, expect, it } from 'vitest';
import { InfoWeightBudget } from '../../src/protocol/index.js';

describe('InfoWeightBudget', () => {
  it('keeps a rolling window for the limit and a monotonic total for metrics', async () => {
    let now = 0;
    const clock = {
      now: () => now,
      setTimeout: () => ({ cancel: () => undefined }),
      setInterval: () => ({ cancel: () => undefined }),
      sleep: (ms: number) => {
        now += ms;
        return Promise.resolve();
      },
    };
    const b = new InfoWeightBudget({ weightPerWindow: 100, windowMs: 1000, clock });
    await b.acquire(60);
    b.charge(30);
    expect(b.used()).toBe(90);
    expect(b.total()).toBe(90);
    now = 2000;
    expect(b.used()).toBe(0);
    await b.acquire(20);
    expect(b.total()).toBe(110);
  });
});
