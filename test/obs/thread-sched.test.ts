import { describe, expect, it } from 'vitest';
import { Metrics, METRIC_NAMES as N } from '../../src/obs/index.js';
import { ThreadTimeDeltas, readThreadTimes } from '../../src/obs/thread-sched.js';
import type { ProcReader } from '../../src/obs/thread-sched.js';
import { find, parseExposition } from './prom-text.js';

const fakeProc = (stats: Record<string, string>, missing: readonly string[] = []): ProcReader => ({
  listTasks: () => [...Object.keys(stats), ...missing],
  readSchedstat: (tid) => {
    const s = stats[tid];
    if (s === undefined) throw new Error(`ENOENT: /proc/self/task/${tid}/schedstat`);
    return s;
  },
});

describe('readThreadTimes', () => {
  it('splits the event-loop thread from the others, in seconds', () => {
    const t = readThreadTimes(
      100,
      fakeProc({
        '100': '2500000000 1000000000 900\n',
        '101': '500000000 250000000 40\n',
        '102': '1500000000 750000000 60\n',
      }),
    );
    expect(t).toEqual({ main: { cpu: 2.5, wait: 1 }, other: { cpu: 2, wait: 1 } });
  });

  it('skips a thread that ended between the listing and the read, and a line it cannot read', () => {
    const t = readThreadTimes(7, fakeProc({ '7': '1000000000 0 1', '8': 'garbage' }, ['9']));
    expect(t).toEqual({ main: { cpu: 1, wait: 0 }, other: { cpu: 0, wait: 0 } });
  });

  it('is null where there is no /proc', () => {
    const none: ProcReader = {
      listTasks: () => {
        throw new Error('ENOENT: /proc/self/task');
      },
      readSchedstat: () => '',
    };
    expect(readThreadTimes(1, none)).toBeNull();
  });

  it('reads this process on Linux, and nothing elsewhere', () => {
    const t = readThreadTimes();
    if (process.platform === 'linux') {
      expect(t).not.toBeNull();
      expect(t?.main.cpu).toBeGreaterThan(0);
    } else {
      expect(t).toBeNull();
    }
  });
});

describe('ThreadTimeDeltas', () => {
  it('gives increments, and never a negative one when a thread ended', () => {
    const d = new ThreadTimeDeltas();
    const at = (mainCpu: number, otherCpu: number) => ({
      main: { cpu: mainCpu, wait: mainCpu / 2 },
      other: { cpu: otherCpu, wait: otherCpu / 2 },
    });
    expect(d.next(at(2, 4))).toEqual(at(2, 4));
    expect(d.next(at(3, 6))).toEqual(at(1, 2));
    // A worker ended: the others' sum fell. Nothing is taken back; the new sum is the base.
    expect(d.next(at(4, 1))).toEqual(at(1, 0));
    expect(d.next(at(4, 1.5))).toEqual(at(0, 0.5));
  });
});

describe('ingest_thread_cpu_seconds_total / ingest_thread_cpu_wait_seconds_total', () => {
  it('are exported per thread group and grow with work done (Linux)', async () => {
    const m = new Metrics({ collectDefaultMetrics: false });
    const first = parseExposition(await m.registry.metrics());
    expect(first.types.get(N.threadCpu)).toBe('counter');
    expect(first.types.get(N.threadCpuWait)).toBe('counter');
    const cpu0 = find(first, N.threadCpu, { thread: 'main' })[0]?.value ?? 0;
    // Burn 60 ms of CPU on this thread (by its own clock, so a busy machine only makes it
    // take longer), which also spaces the scrapes past the shared-read interval.
    const start = readThreadTimes()?.main.cpu ?? 0;
    const deadline = performance.now() + 5000;
    let x = 0;
    while ((readThreadTimes()?.main.cpu ?? Infinity) - start < 0.06 && performance.now() < deadline)
      for (let i = 0; i < 100_000; i++) x += Math.sqrt(x + i);
    expect(x).toBeGreaterThan(0);
    const second = parseExposition(await m.registry.metrics());
    const cpu1 = find(second, N.threadCpu, { thread: 'main' })[0]?.value ?? 0;
    if (process.platform === 'linux') {
      expect(cpu0).toBeGreaterThan(0);
      expect(cpu1 - cpu0).toBeGreaterThanOrEqual(0.05);
      expect(find(second, N.threadCpuWait, { thread: 'main' })).toHaveLength(1);
      expect(find(second, N.threadCpu, { thread: 'other' })).toHaveLength(1);
    } else {
      expect(find(second, N.threadCpu, {})).toHaveLength(0);
    }
  });
});
