/**
 * A rolling-window counter (timestamps + weights in a FIFO). Used for the per-IP message,
 * new-connection and REST-weight budgets, which Hyperliquid enforces per rolling minute.
 */
export class RollingWindow {
  private times: number[] = [];
  private weights: number[] = [];
  private head = 0;
  private sum = 0;

  constructor(readonly windowMs: number) {}

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= cutoff) {
      this.sum -= this.weights[this.head] ?? 0;
      this.head++;
    }
    // Compact occasionally so the arrays do not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.weights = this.weights.slice(this.head);
      this.head = 0;
    }
  }

  used(now: number): number {
    this.prune(now);
    return this.sum;
  }

  add(now: number, weight = 1): void {
    this.prune(now);
    this.times.push(now);
    this.weights.push(weight);
    this.sum += weight;
  }

  /**
   * Milliseconds until `weight` more fits under `limit` (0 = now). Infinity when it can never
   * fit (weight > limit).
   */
  waitFor(now: number, weight: number, limit: number): number {
    this.prune(now);
    if (weight > limit) return Infinity;
    let excess = this.sum + weight - limit;
    if (excess <= 0) return 0;
    for (let i = this.head; i < this.times.length; i++) {
      excess -= this.weights[i] ?? 0;
      if (excess <= 0) return Math.max(1, (this.times[i] ?? now) + this.windowMs - now);
    }
    return this.windowMs;
  }
}
