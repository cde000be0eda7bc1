/**
 * Hot-path counters and histograms: prom-client hashes the label object on every `inc` and
 * `observe` (also through `labels(...)` children), which is most of the cost of a metric
 * update. These keep one plain record per label set, bound once (`child(labels)`), so an
 * update is a number increment (and, for a histogram, a scan of ~20 bucket bounds). They
 * register on a prom-client Registry like its own metrics (`get()` returns the same shape), so
 * the exposition is identical and the Metrics class keeps one registry.
 */
import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

interface MetricValue {
  readonly labels: Record<string, string | number>;
  readonly value: number;
  readonly metricName?: string;
}

interface MetricJson {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly values: MetricValue[];
  readonly aggregator: 'sum';
}

/** Label values joined with a separator no label value contains (NUL). */
function keyOf(labelNames: readonly string[], labels: Labels): string {
  if (labelNames.length === 1) return labels[labelNames[0] as string] ?? '';
  let k = '';
  for (const n of labelNames) k += `${labels[n] ?? ''}\u0000`;
  return k;
}

abstract class FastMetric<S> {
  readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum' as const;
  protected readonly series = new Map<string, S & { readonly labels: Labels }>();

  constructor(
    readonly name: string,
    readonly help: string,
    protected readonly labelNames: readonly string[],
    type: 'counter' | 'histogram',
    registers: readonly Registry[],
  ) {
    this.type = type;
    // Registry.registerMetric only needs name, get() and the fields above.
    for (const r of registers) r.registerMetric(this as never);
  }

  protected abstract fresh(labels: Labels): S & { readonly labels: Labels };

  /** The record of one label set, created on first use; keep it to update without lookups. */
  protected bind(labels: Labels = {}): S & { readonly labels: Labels } {
    const k = keyOf(this.labelNames, labels);
    let s = this.series.get(k);
    if (s === undefined) {
      const own: Record<string, string> = {};
      for (const n of this.labelNames) own[n] = labels[n] ?? '';
      s = this.fresh(own);
      this.series.set(k, s);
    }
    return s;
  }

  remove(labels: Labels): void {
    this.series.delete(keyOf(this.labelNames, labels));
  }

  reset(): void {
    this.series.clear();
  }

  abstract get(): Promise<MetricJson>;
}

export interface CounterChild {
  value: number;
  readonly labels: Labels;
}

export class FastCounter extends FastMetric<CounterChild> {
  constructor(o: {
    name: string;
    help: string;
    labelNames?: readonly string[];
    registers: readonly Registry[];
  }) {
    super(o.name, o.help, o.labelNames ?? [], 'counter', o.registers);
  }

  /** Bound series: `child.value += n` is the whole update. */
  child(labels?: Labels): CounterChild {
    return this.bind(labels);
  }

  inc(labels: Labels = {}, n = 1): void {
    this.bind(labels).value += n;
  }

  protected fresh(labels: Labels): CounterChild {
    return { value: 0, labels };
  }

  get(): Promise<MetricJson> {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) values.push({ labels: { ...s.labels }, value: s.value });
    return Promise.resolve({ name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' });
  }
}

export interface HistogramChild {
  /** Observes one value (seconds). */
  observe(v: number): void;
}

interface HistogramSeries extends HistogramChild {
  readonly labels: Labels;
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class FastHistogram extends FastMetric<HistogramSeries> {
  private readonly bounds: Float64Array;

  constructor(o: {
    name: string;
    help: string;
    buckets: readonly number[];
    labelNames?: readonly string[];
    registers: readonly Registry[];
  }) {
    super(o.name, o.help, o.labelNames ?? [], 'histogram', o.registers);
    this.bounds = Float64Array.from([...o.buckets].sort((a, b) => a - b));
  }

  child(labels?: Labels): HistogramChild {
    return this.bind(labels);
  }

  observe(labels: Labels, v: number): void {
    this.bind(labels).observe(v);
  }

  protected fresh(labels: Labels): HistogramSeries {
    const bounds = this.bounds;
    const n = bounds.length;
    const s: HistogramSeries = {
      labels,
      counts: new Float64Array(n + 1),
      sum: 0,
      count: 0,
      observe(v: number): void {
        let i = 0;
        while (i < n && v > (bounds[i] as number)) i++;
        s.counts[i] = (s.counts[i] as number) + 1;
        s.sum += v;
        s.count++;
      },
    };
    return s;
  }

  get(): Promise<MetricJson> {
    const values: MetricValue[] = [];
    const name = this.name;
    for (const s of this.series.values()) {
      let cum = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cum += s.counts[i] as number;
        values.push({
          labels: { ...s.labels, le: this.bounds[i] as number },
          value: cum,
          metricName: `${name}_bucket`,
        });
      }
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${name}_bucket` });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${name}_count` });
    }
    return Promise.resolve({ name, help: this.help, type: 'histogram', values, aggregator: 'sum' });
  }
}
