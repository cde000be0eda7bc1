/**
 * Rate limit for warnings that repeat per influencer, listener or request: with 30 000
 * influencers one cause logged 29 941 lines in 70 s. Per key (the message), the first `burst`
 * lines of a window are logged as they come; the rest are counted, and one summary line at the
 * end of the window says how many were suppressed, with the last one's fields as a sample.
 * close() cancels the window timer (nothing of it outlives shutdown) and logs what is pending.
 */
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './logger.js';

export interface RepeatedWarningsOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Window length. Default 60 s. */
  readonly windowMs?: number;
  /** Lines per key logged in full per window. Default 5. */
  readonly burst?: number;
}

type Level = 'warn' | 'error';

interface Window {
  readonly level: Level;
  logged: number;
  suppressed: number;
  sample: Record<string, unknown>;
  timer: TimerHandle | null;
}

export class RepeatedWarnings {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly burst: number;
  private closed = false;

  constructor(private readonly o: RepeatedWarningsOptions) {
    this.windowMs = o.windowMs ?? 60_000;
    this.burst = o.burst ?? 5;
  }

  warn(msg: string, fields: Record<string, unknown> = {}): void {
    this.log('warn', msg, fields);
  }

  error(msg: string, fields: Record<string, unknown> = {}): void {
    this.log('error', msg, fields);
  }

  /** Logs every pending summary now and stops the timers. Idempotent. */
  close(): void {
    this.closed = true;
    for (const key of [...this.windows.keys()]) this.end(key);
  }

  private log(level: Level, msg: string, fields: Record<string, unknown>): void {
    let w = this.windows.get(msg);
    if (!w) {
      w = { level, logged: 0, suppressed: 0, sample: fields, timer: null };
      this.windows.set(msg, w);
      if (!this.closed) w.timer = this.o.clock.setTimeout(() => this.end(msg), this.windowMs);
    }
    if (w.logged < this.burst || this.closed) {
      w.logged++;
      this.o.logger[level](fields, msg);
      return;
    }
    w.suppressed++;
    w.sample = fields;
  }

  private end(msg: string): void {
    const w = this.windows.get(msg);
    if (!w) return;
    this.windows.delete(msg);
    w.timer?.cancel();
    if (w.suppressed === 0) return;
    this.o.logger[w.level](
      { ...w.sample, suppressed: w.suppressed, windowMs: this.windowMs, repeated: msg },
      `${msg} (and ${w.suppressed} more like it in ${Math.round(this.windowMs / 1000)} s, suppressed)`,
    );
  }
}
