/**
 * Stall watchdog: connected but nothing inbound for `timeoutMs` -> `onStall` (the connection
 * forces a reconnect). Catches the python-sdk #145 failure mode (a socket that stays up while
 * delivering nothing). `touch()` is on the hot path, so it only stores a timestamp; a single
 * timer re-arms itself for the remaining time instead of being reset per message.
 */
import type { Clock, TimerHandle } from '../../core/index.js';

export class StallWatchdog {
  private timer: TimerHandle | null = null;
  private lastInbound = 0;

  constructor(
    private readonly clock: Clock,
    readonly timeoutMs: number,
    private readonly onStall: (silentMs: number) => void,
  ) {}

  start(): void {
    this.stop();
    if (!(this.timeoutMs > 0) || !Number.isFinite(this.timeoutMs)) return;
    this.lastInbound = this.clock.now();
    this.arm(this.timeoutMs);
  }

  touch(): void {
    this.lastInbound = this.clock.now();
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(() => this.check(), ms);
  }

  private check(): void {
    this.timer = null;
    const silent = this.clock.now() - this.lastInbound;
    if (silent >= this.timeoutMs) {
      this.onStall(silent);
      return;
    }
    this.arm(this.timeoutMs - silent);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }
}
