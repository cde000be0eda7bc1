/**
 * The per-IP REST weight budget (docs/hyperliquid-protocol.md §5.2): 1200 weight per rolling minute,
 * shared by every info request from one egress IP. Requests wait for room (backfills are not
 * latency-critical) up to `maxWaitMs`, then fail with INFO_RATE_LIMITED. Per-item weight is
 * only known after the response, so it is charged afterwards (the next request waits for it).
 */
import type { Clock } from '../../core/index.js';
import { BudgetError, systemClock } from '../../core/index.js';
import { RollingWindow } from '../rolling-window.js';
import { INFO_WEIGHT_PER_MINUTE } from './weight-table.js';

export interface InfoWeightBudgetOptions {
  readonly name?: string;
  /** Default 1200. */
  readonly weightPerWindow?: number;
  /** Default 60 000 ms. */
  readonly windowMs?: number;
  /** Longest a request waits for room before INFO_RATE_LIMITED. Default 60 000 ms. */
  readonly maxWaitMs?: number;
  readonly clock?: Clock;
}

export class InfoWeightBudget {
  readonly name: string;
  readonly limit: number;
  private readonly window: RollingWindow;
  private readonly maxWaitMs: number;
  private readonly clock: Clock;
  /** Weight charged since start, for a monotonic Prometheus counter. */
  private spent = 0;

  constructor(options: InfoWeightBudgetOptions = {}) {
    this.name = options.name ?? 'default';
    this.limit = options.weightPerWindow ?? INFO_WEIGHT_PER_MINUTE;
    this.window = new RollingWindow(options.windowMs ?? 60_000);
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Waits until `weight` fits, then charges it. */
  async acquire(weight: number, signal?: AbortSignal): Promise<void> {
    let waited = 0;
    for (;;) {
      const wait = this.window.waitFor(this.clock.now(), weight, this.limit);
      if (wait === 0) {
        this.window.add(this.clock.now(), weight);
        this.spent += weight;
        return;
      }
      if (waited + wait > this.maxWaitMs) {
        throw new BudgetError(
          'INFO_RATE_LIMITED',
          `info weight budget "${this.name}" exhausted: ${this.used()}/${this.limit} used in the window, request needs ${weight}; next room in ${Number.isFinite(wait) ? wait : '∞'} ms (> max wait ${this.maxWaitMs} ms)`,
          { retriable: true, context: { pool: this.name, weight, used: this.used(), limit: this.limit } },
        );
      }
      await this.clock.sleep(wait, signal);
      waited += wait;
    }
  }

  /** Charge weight learned after the fact (per-item weight). */
  charge(weight: number): void {
    if (weight > 0) {
      this.window.add(this.clock.now(), weight);
      this.spent += weight;
    }
  }

  /** Total weight charged since this budget was created (monotonic). */
  total(): number {
    return this.spent;
  }

  used(): number {
    return this.window.used(this.clock.now());
  }
}
