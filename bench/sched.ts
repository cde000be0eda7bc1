/**
 * How long a process's threads ran and how long they were ready to run but waited for a CPU,
 * from Linux's /proc/<pid>/task/<tid>/schedstat (ns on a CPU, ns waiting on a run queue,
 * time slices). On a box where the simulator, the broker and the service share two cores, the
 * wait is the part of a latency tail no code in the service can remove; elsewhere (no /proc)
 * the figures are absent.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ThreadTimes {
  readonly cpuMs: number;
  readonly waitMs: number;
}

/** Per thread id; null when the process or /proc is not there. */
export function schedSnapshot(pid: number): Map<number, ThreadTimes> | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const out = new Map<number, ThreadTimes>();
  for (const tid of tids) {
    try {
      const [cpu, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/);
      out.set(Number(tid), { cpuMs: Number(cpu) / 1e6, waitMs: Number(wait) / 1e6 });
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return out;
}

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
  pid: number,
  before: Map<number, ThreadTimes>,
  after: Map<number, ThreadTimes>,
  windowMs: number,
): SchedShare {
  let mainCpu = 0;
  let mainWait = 0;
  let otherCpu = 0;
  let otherWait = 0;
  for (const [tid, b] of after) {
    const a = before.get(tid) ?? { cpuMs: 0, waitMs: 0 };
    const cpu = b.cpuMs - a.cpuMs;
    const wait = b.waitMs - a.waitMs;
    if (tid === pid) {
      mainCpu += cpu;
      mainWait += wait;
    } else {
      otherCpu += cpu;
      otherWait += wait;
    }
  }
  const pct = (ms: number): number => (100 * ms) / windowMs;
  return {
    mainCpuPct: pct(mainCpu),
    mainWaitPct: pct(mainWait),
    othersCpuPct: pct(otherCpu),
    othersWaitPct: pct(otherWait),
  };
}
