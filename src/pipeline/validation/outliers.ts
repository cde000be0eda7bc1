/**
 * Outliers against rolling statistics (M0 §7): per (market, payload type) a ring of the last N
 * reference prices with running sum and sum of squares, so each check is O(1). A value is an
 * outlier when it is beyond `zScore` standard deviations AND `minDeviationBps` from the mean
 * (the second guard keeps a flat series, std ≈ 0, from flagging every tick). Deterministic:
 * the same input order gives the same flags.
 */
export interface OutlierSettings {
  readonly window: number;
  readonly minSamples: number;
  readonly zScore: number;
  readonly minDeviationBps: number;
}

class Ring {
  private readonly values: Float64Array;
  private next = 0;
  count = 0;
  sum = 0;
  sumSq = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  push(v: number): void {
    if (this.count === this.values.length) {
      const old = this.values[this.next] ?? 0;
      this.sum -= old;
      this.sumSq -= old * old;
    } else {
      this.count++;
    }
    this.values[this.next] = v;
    this.next = (this.next + 1) % this.values.length;
    this.sum += v;
    this.sumSq += v * v;
  }
}

export class OutlierDetector {
  private readonly rings = new Map<string, Ring>();

  constructor(private readonly s: OutlierSettings) {}

  /** Checks `value` against the series `key`, then adds it. True when it is an outlier. */
  observe(key: string, value: number): boolean {
    let ring = this.rings.get(key);
    if (ring === undefined) this.rings.set(key, (ring = new Ring(this.s.window)));
    let outlier = false;
    if (ring.count >= this.s.minSamples) {
      const mean = ring.sum / ring.count;
      const variance = Math.max(0, ring.sumSq / ring.count - mean * mean);
      const dev = Math.abs(value - mean);
      outlier =
        dev > this.s.zScore * Math.sqrt(variance) && dev * 10_000 > this.s.minDeviationBps * Math.abs(mean);
    }
    ring.push(value);
    return outlier;
  }

  get series(): number {
    return this.rings.size;
  }
}
