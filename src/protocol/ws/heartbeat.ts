/**
 * Keepalive (docs/hyperliquid-protocol.md §1.5): send `{"method":"ping"}` every `intervalMs` (default
 * 30 s, the server idles out at 60 s) and expect `{"channel":"pong"}` within `timeoutMs`
 * (default 10 s). A missing pong is the only reliable half-open detector, so it triggers a
 * forced reconnect via `onTimeout`.
 */
import type { Clock, TimerHandle } from '../../core/index.js';
import { CONFIG_DEFAULTS } from '../../config/index.js';

export interface HeartbeatOptions {
  /** Ping cadence in ms. Default 30 000. */
  readonly intervalMs?: number;
  /** Max wait for the pong in ms. Default 10 000. */
  readonly timeoutMs?: number;
}

export const DEFAULT_PING_INTERVAL_MS = CONFIG_DEFAULTS.hyperliquid.heartbeat.pingIntervalMs;
export const DEFAULT_PONG_TIMEOUT_MS = CONFIG_DEFAULTS.hyperliquid.heartbeat.pongTimeoutMs;

export class Heartbeat {
  readonly intervalMs: number;
  readonly timeoutMs: number;
  private interval: TimerHandle | null = null;
  private deadline: TimerHandle | null = null;
  private pingSentAt: number | null = null;

  constructor(
    private readonly clock: Clock,
    /** Sends a ping; returns false when it could not be sent (budget, socket gone). */
    private readonly sendPing: () => boolean,
    private readonly onTimeout: (waitedMs: number) => void,
    options: HeartbeatOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PONG_TIMEOUT_MS;
  }

  start(): void {
    this.stop();
    this.interval = this.clock.setInterval(() => this.tick(), this.intervalMs);
  }

  private tick(): void {
    if (this.pingSentAt !== null) return; // one outstanding ping at a time
    if (!this.sendPing()) return;
    const sentAt = this.clock.now();
    this.pingSentAt = sentAt;
    this.deadline = this.clock.setTimeout(() => {
      this.pingSentAt = null;
      this.deadline = null;
      this.onTimeout(this.clock.now() - sentAt);
    }, this.timeoutMs);
  }

  /** Returns the round-trip latency in ms, or null for an unsolicited pong. */
  onPong(): number | null {
    if (this.pingSentAt === null) return null;
    const latency = this.clock.now() - this.pingSentAt;
    this.pingSentAt = null;
    this.deadline?.cancel();
    this.deadline = null;
    return latency;
  }

  stop(): void {
    this.interval?.cancel();
    this.interval = null;
    this.deadline?.cancel();
    this.deadline = null;
    this.pingSentAt = null;
  }
}
