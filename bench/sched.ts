/**
 * The service's (or this bench's) thread times over a window, as shares of it: on a CPU, and
 * ready to run but waiting for one (Linux schedstat, read by src/obs/thread-sched.ts, the same
 * reading behind the service's ingest_thread_cpu_* metrics). On a box where the simulator, the
 * broker and the service share two cores, the wait is the part of a latency tail no code in the
 * service can remove; elsewhere (no /proc) the figures are absent.
 */
import type { ProcessThreadTimes } from '../src/obs/index.js';

export interface SchedShare {
  /** Percent of the window: the main (event-loop) thread on a CPU, and waiting for one. */
  readonly mainCpuPct: number;
  readonly mainWaitPct: number;
  /** Every other thread together (the signal sink's, GC helpers, libuv), percent of one core. */
  readonly othersCpuPct: number;
  readonly othersWaitPct: number;
}

/** What happened between two snapshots of one process over `windowMs`. */
export function schedShare(
  before: ProcessThreadTimes,
  after: ProcessThreadTimes,
  windowMs: number,
): SchedShare {
  const pct = (a: number, b: number): number => (100 * Math.max(0, a - b) * 1000) / windowMs;
  return {
    mainCpuPct: pct(after.main.cpu, before.main.cpu),
    mainWaitPct: pct(after.main.wait, before.main.wait),
    othersCpuPct: pct(after.other.cpu, before.other.cpu),
    othersWaitPct: pct(after.other.wait, before.other.wait),
  };
}
