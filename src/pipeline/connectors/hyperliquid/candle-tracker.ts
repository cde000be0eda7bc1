/**
 * Closed-candle bookkeeping for one (coin, interval): decides when a candle is final and makes
 * sure none is lost when the socket drops. A `candle` push carries the bucket's cumulative
 * state, so the last push before the next bucket's first push is final — but only if the
 * socket stayed up in between (the connection epoch did not change). Everything else — a
 * reconnect, a rollover after a break, a quiet market whose candle never rolls over — is
 * settled by REST `candleSnapshot` from the last final candle on, which also returns the
 * candles of buckets that happened entirely while we were disconnected. Finals go out strictly
 * in open-time order, each once (`lastFinalT` only moves forward), and never while a catch-up
 * is in flight (a WS final could otherwise jump over a bucket the catch-up is about to return).
 */
import type { Clock, Logger, TimerHandle } from '../../../core/index.js';
import { errorMessage } from '../../../core/index.js';
import type { Candle, CandleInterval } from '../../../protocol/index.js';
import { candleBucket } from '../../../protocol/index.js';
import type { CandleVia } from './records.js';

export interface CandleTrackerDeps {
  readonly coin: string;
  readonly interval: CandleInterval;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly closeGraceMs: number;
  readonly retryMs: number;
  /** Current connection epoch (bumped on every socket close). */
  readonly epoch: () => number;
  /** REST: candles overlapping [start, end], oldest first. */
  readonly fetch: (start: number, end: number) => Promise<readonly Candle[]>;
  readonly emit: (candle: Candle, via: CandleVia) => void;
  readonly onError: (err: unknown) => void;
  /** Catch-ups that ran and how many closed candles each delivered (metrics, tests). */
  readonly onCatchUp?: (info: { readonly start: number; readonly closed: number }) => void;
}

interface Pending {
  readonly candle: Candle;
  readonly epoch: number;
}

export class CandleTracker {
  private lastFinalT: number;
  private pending: Pending | null = null;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private timer: TimerHandle | null = null;
  private retryTimer: TimerHandle | null = null;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly d: CandleTrackerDeps,
    /** Candles opening before this are history we do not owe (start of the followed range). */
    startAt: number,
  ) {
    this.lastFinalT = candleBucket(d.interval, startAt).t - 1;
  }

  /** True while the last catch-up failed (the connector reports itself degraded). */
  get degraded(): boolean {
    return this.failing;
  }

  /** A `candle` push for this series. */
  onPush(c: Candle): void {
    if (this.stopped || c.t <= this.lastFinalT) return;
    const p = this.pending;
    if (p && c.t > p.candle.t) {
      if (p.epoch === this.d.epoch() && this.inFlight === null) this.final(p.candle, 'ws');
      else this.catchUp();
    }
    if (!p || c.t > p.candle.t || (c.t === p.candle.t && c.n >= p.candle.n))
      this.setPending({ candle: c, epoch: this.d.epoch() });
  }

  /** Fetch every candle since the last final one; closed ones are emitted. Coalesces callers. */
  catchUp(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.retryTimer?.cancel();
    this.retryTimer = null;
    const start = this.lastFinalT + 1;
    const epoch = this.d.epoch();
    const now = this.d.clock.now();
    this.inFlight = this.d
      .fetch(start, now)
      .then(
        (candles) => {
          this.failing = false;
          let closed = 0;
          for (const c of [...candles].sort((a, b) => a.t - b.t)) {
            if (c.t <= this.lastFinalT) continue;
            if (c.T + this.d.closeGraceMs <= now) {
              this.final(c, 'candleSnapshot');
              closed++;
            } else if (!this.pending || c.t > this.pending.candle.t || c.n > this.pending.candle.n) {
              // Still forming: the live socket (subscribed before this fetch) carries it on.
              this.setPending({ candle: c, epoch });
            }
          }
          if (this.pending && this.pending.candle.t <= this.lastFinalT) this.clearPending();
          this.d.onCatchUp?.({ start, closed });
        },
        (err: unknown) => {
          // Stopping aborts the request in flight (InfoClient cancels it): our own doing, not a failure.
          if (this.stopped) return;
          this.failing = true;
          this.again = false;
          this.d.logger.warn(
            { err, coin: this.d.coin, interval: this.d.interval },
            `candle catch-up failed; retrying in ${this.d.retryMs} ms: ${errorMessage(err)}`,
          );
          this.d.onError(err);
          if (!this.stopped) this.retryTimer = this.d.clock.setTimeout(() => this.catchUp(), this.d.retryMs);
        },
      )
      .finally(() => {
        this.inFlight = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.catchUp();
        }
      });
  }

  /** Resolves once the catch-up running now (if any) has been applied (tests and shutdown). */
  async settled(): Promise<void> {
    await this.inFlight;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.retryTimer?.cancel();
    this.timer = this.retryTimer = null;
  }

  private final(c: Candle, via: CandleVia): void {
    if (c.t <= this.lastFinalT) return;
    this.lastFinalT = c.t;
    this.d.emit(c, via);
  }

  private setPending(p: Pending): void {
    this.pending = p;
    this.timer?.cancel();
    // A quiet market never sends the next bucket: confirm the close over REST after the grace.
    const wait = Math.max(0, p.candle.T + this.d.closeGraceMs - this.d.clock.now() + 1);
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = null;
      if (this.pending === p) this.catchUp();
    }, wait);
  }

  private clearPending(): void {
    this.pending = null;
    this.timer?.cancel();
    this.timer = null;
  }
}
