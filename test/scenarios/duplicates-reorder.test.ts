/** Scenario 5: duplicated and out-of-order frames on both listeners; still exactly once, in order. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from './harness.js';
import { startStack, expectExact, verify } from './harness.js';

describe('scenario: duplicate and out-of-order frames', () => {
  let stack: Stack | null = null;
  afterEach(async () => {
    await stack?.close();
    stack = null;
  });

  it('emits every fill exactly once, in order', async () => {
    stack = await startStack({
      kinds: { primary: 'user-stream', secondary: 'user-stream' },
    });
    const s = stack;
    let duplicates = 0;
    s.fanIn.events.on('duplicateSuppressed', () => duplicates++);
    expect(s.sim.faults.duplicate({ all: true }, 30)).toBeGreaterThan(0);
    expect(s.sim.faults.reorder({ all: true }, 15)).toBeGreaterThan(0);
    await s.until(
      () => s.sim.connections().some((c) => c.faults.duplicate === 0 && c.faults.reorder === 0),
      10_000,
      'a connection to use up its injected duplicates and reorders',
    );
    await s.settle();
    const v = verify(s, s.sim.accounts);
    expectExact(v, 30);
    // Two listeners, plus the injected copies: far more copies suppressed than fills emitted.
    expect(duplicates).toBeGreaterThan(v.expected);
    expect(s.sim.connections().some((c) => c.faults.duplicate === 0 && c.faults.reorder === 0)).toBe(true);
    // The copies came off the process's one frame memo: parsed once, handed to both listeners.
    const memo = s.manager.frameMemo?.stats();
    expect(memo?.misses).toBeGreaterThan(0);
    expect(memo?.hits).toBeGreaterThan(0);
  });
});
