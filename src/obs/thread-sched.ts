/**
 * How long a process's threads ran, and how long they were ready to run but had no CPU, from
 * Linux's /proc/<pid>/task/<tid>/schedstat (ns on a CPU, ns waiting on a run queue, slices).
 * The wait is what tells an SRE "the host is overcommitted" apart from "our code got slow": at
 * 2 000 signals/s on a 2-core box shared with the broker, the main thread waited a quarter to a
 * third of the time, and that wait was the latency tail (README, Benchmarks). Elsewhere (no
 * /proc) there is nothing to read and the metrics have no series.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ThreadTimes {
  /** Seconds on a CPU. */
  readonly cpu: number;
  /** Seconds ready to run but waiting for a CPU. */
  readonly wait: number;
}

/** The event-loop thread, and every other thread (the sink thread, GC helpers, libuv) summed. */
export interface ProcessThreadTimes {
  readonly main: ThreadTimes;
  readonly other: ThreadTimes;
}

/** The file-system calls read; tests pass a fake /proc. */
export interface ProcReader {
  readonly listTasks: () => readonly string[];
  readonly readSchedstat: (tid: string) => string;
}

/** /proc of a process: this one by default (the bench reads the service it started). */
export function procOf(pid: number | 'self' = 'self'): ProcReader {
  return {
    listTasks: () => readdirSync(`/proc/${pid}/task`),
    readSchedstat: (tid) => readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8'),
  };
}

/** Cumulative times since each thread started; null where /proc (or the process) is not there. */
export function readThreadTimes(
  pid: number = process.pid,
  proc: ProcReader = procOf(pid === process.pid ? 'self' : pid),
): ProcessThreadTimes | null {
  let tids: readonly string[];
  try {
    tids = proc.listTasks();
  } catch {
    return null;
  }
  let mainCpu = 0;
  let mainWait = 0;
  let otherCpu = 0;
  let otherWait = 0;
  for (const tid of tids) {
    let fields: string[];
    try {
      fields = proc.readSchedstat(tid).trim().split(/\s+/);
    } catch {
      continue; // a thread that ended between the listing and the read
    }
    const cpu = Number(fields[0]) / 1e9;
    const wait = Number(fields[1]) / 1e9;
    if (!Number.isFinite(cpu) || !Number.isFinite(wait)) continue;
    if (Number(tid) === pid) {
      mainCpu += cpu;
      mainWait += wait;
    } else {
      otherCpu += cpu;
      otherWait += wait;
    }
  }
  return { main: { cpu: mainCpu, wait: mainWait }, other: { cpu: otherCpu, wait: otherWait } };
}

/**
 * Turns cumulative readings into increments for counters. "Other" threads come and go (a
 * worker that ends takes its time with it), so a reading below the last one adds nothing and
 * becomes the new base instead of making a counter go backwards.
 */
export class ThreadTimeDeltas {
  private last: ProcessThreadTimes | null = null;

  next(now: ProcessThreadTimes): ProcessThreadTimes {
    const prev = this.last ?? { main: { cpu: 0, wait: 0 }, other: { cpu: 0, wait: 0 } };
    this.last = now;
    const d = (a: number, b: number): number => Math.max(0, a - b);
    return {
      main: { cpu: d(now.main.cpu, prev.main.cpu), wait: d(now.main.wait, prev.main.wait) },
      other: { cpu: d(now.other.cpu, prev.other.cpu), wait: d(now.other.wait, prev.other.wait) },
    };
  }
}
