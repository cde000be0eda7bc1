/**
 * The one manual clock for tests: time moves only when a test calls advance(), so backoff,
 * settle windows and schedulers run instantly and deterministically. Timers due at the same
 * instant fire in the order they were set.
 */
import type { Clock, TimerHandle } from '../../src/core/index.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  every: number | null;
  live: boolean;
}

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, null);
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, ms);
  }
  /** Resolves when the clock is advanced past `ms`; rejects (and cancels) on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const h = this.setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        h.cancel();
        reject(new Error('aborted'));
      });
    });
  }
  /** Number of pending (not cancelled, not yet fired) timers. */
  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
  /** Advances time by `ms`, firing due timers in time order (intervals repeatedly). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers
        .filter((x) => x.live && x.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      if (due.every !== null) due.at += Math.max(1, due.every);
      else due.live = false;
      due.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }
  private add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const timer: Timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, every, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
}
