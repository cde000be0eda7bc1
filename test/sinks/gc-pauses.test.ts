import { PerformanceObserver, constants } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { GcPause } from '../../src/sinks/threaded/gc-pauses.js';
import { gcKindOf, watchGcPauses } from '../../src/sinks/threaded/gc-pauses.js';
import { until } from '../kit/index.js';

/** Short-lived garbage, well past any young generation: at least one scavenge happens. */
function churn(mb: number): number {
  let n = 0;
  for (let i = 0; i < mb * 1024; i++) n += new Array(128).fill(i).length;
  return n;
}

describe('gcKindOf', () => {
  it("names Node's four GC kinds as prom-client does, and nothing else", () => {
    expect(gcKindOf(constants.NODE_PERFORMANCE_GC_MINOR)).toBe('minor');
    expect(gcKindOf(constants.NODE_PERFORMANCE_GC_MAJOR)).toBe('major');
    expect(gcKindOf(constants.NODE_PERFORMANCE_GC_INCREMENTAL)).toBe('incremental');
    expect(gcKindOf(constants.NODE_PERFORMANCE_GC_WEAKCB)).toBe('weakcb');
    expect(gcKindOf(-1)).toBeNull();
  });
});

describe('watchGcPauses', () => {
  it('reports the GC pauses of its thread in batches', async () => {
    const batches: (readonly GcPause[])[] = [];
    const stop = watchGcPauses((p) => batches.push(p), 10);
    try {
      await until(
        () => {
          churn(64);
          return batches.length > 0;
        },
        10_000,
        'a GC pause reported',
      );
    } finally {
      stop();
    }
    const pauses = batches.flat();
    expect(pauses.length).toBeGreaterThan(0);
    for (const p of pauses) {
      expect(['minor', 'major', 'incremental', 'weakcb']).toContain(p.kind);
      expect(p.seconds).toBeGreaterThanOrEqual(0);
      expect(p.seconds).toBeLessThan(10);
    }
  });

  it('sends what it holds when stopped, and nothing after', async () => {
    const batches: (readonly GcPause[])[] = [];
    const stop = watchGcPauses((p) => batches.push(p), 3_600_000);
    // A second observer, made after the watcher's: its callback runs after the watcher's for the
    // same entries, so once it has seen a pause, so has the watcher.
    let seen = 0;
    const probe = new PerformanceObserver((list) => (seen += list.getEntries().length));
    probe.observe({ entryTypes: ['gc'] });
    try {
      await until(
        () => {
          churn(64);
          return seen > 0;
        },
        10_000,
        'a GC pause observed',
      );
    } finally {
      probe.disconnect();
    }
    expect(batches).toHaveLength(0); // the hour has not passed
    stop();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.length).toBeGreaterThan(0);
    stop(); // idempotent: nothing more, not even an empty batch
    expect(batches).toHaveLength(1);
  });
});
