/**
 * When to reconnect. Unlimited attempts with capped exponential backoff + jitter from
 * core/retry.ts `backoffDelay` (the policy's maxAttempts is ignored: a listener never gives
 * up). The ~3 h `Expired` close (code 1000, §1.6) is routine rotation: it reconnects after a
 * short jittered delay (default up to 1 s, staggering sockets) instead of growing the backoff;
 * the new-connection budget still applies. The attempt counter resets once a connection has
 * stayed open for `stableAfterMs`, so open-then-closed loops keep backing off.
 */
import type { RetryPolicy } from '../../core/index.js';
import { backoffDelay } from '../../core/index.js';

export const RECONNECT_REASONS = [
  'initial',
  'expired',
  'server_close',
  'heartbeat_timeout',
  'stall',
  'socket_error',
  'connect_timeout',
  'manual',
  'budget',
] as const;
export type ReconnectReason = (typeof RECONNECT_REASONS)[number];

export const DEFAULT_RECONNECT_POLICY: RetryPolicy = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  maxAttempts: Infinity,
  jitter: 0.5,
});

export interface ReconnectPolicyOptions {
  readonly policy?: RetryPolicy;
  /** Max delay before reconnecting after an `Expired` rotation. Default 1000 ms (jittered 0..max). */
  readonly expiredDelayMs?: number;
  /** A connection open at least this long resets the backoff. Default 10 000 ms. */
  readonly stableAfterMs?: number;
  readonly random?: () => number;
}

export class ReconnectPolicy {
  readonly policy: RetryPolicy;
  private readonly expiredDelayMs: number;
  private readonly stableAfterMs: number;
  private readonly random: () => number;
  /** Consecutive failed/short-lived connections. */
  private failures = 0;

  constructor(options: ReconnectPolicyOptions = {}) {
    this.policy = options.policy ?? DEFAULT_RECONNECT_POLICY;
    this.expiredDelayMs = options.expiredDelayMs ?? 1000;
    this.stableAfterMs = options.stableAfterMs ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  /** Record how long the last connection stayed open (0 if it never opened). */
  connectionEnded(openForMs: number): void {
    if (openForMs >= this.stableAfterMs) this.failures = 0;
  }

  /** Delay before the next attempt, and the attempt number it represents. */
  next(reason: ReconnectReason): { attempt: number; delayMs: number } {
    if (reason === 'initial') return { attempt: 1, delayMs: 0 };
    if (reason === 'expired' && this.failures === 0) {
      return { attempt: 1, delayMs: Math.round(this.expiredDelayMs * this.random()) };
    }
    this.failures++;
    return { attempt: this.failures, delayMs: backoffDelay(this.policy, this.failures, this.random) };
  }

  reset(): void {
    this.failures = 0;
  }
}
