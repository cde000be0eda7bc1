/**
 * Bounds the label values a metric can take. Most labels come from closed sets (role, kind),
 * but some come from the wire or from other components (reason, channel, market, influencer),
 * and one unexpected value per message would grow the registry without bound and take
 * Prometheus down with it. Each (metric, label) pair keeps at most `cap` distinct values;
 * later newcomers are folded into `other` and counted, so the overflow itself is visible.
 */

/** Folded value once a label has used up its distinct values. */
export const OVERFLOW_LABEL_VALUE = 'other';

/** Long free-text values are a bug upstream (an error message used as a reason); cut them. */
export const MAX_LABEL_VALUE_LENGTH = 80;

/** Distinct values per (metric, label) unless a label has its own cap. */
export const DEFAULT_LABEL_CAP = 64;

export interface LabelGuardOptions {
  /** Distinct values per (metric, label); default DEFAULT_LABEL_CAP. */
  readonly defaultCap?: number;
  /** Per label-name caps, e.g. `{ influencer: 5000, market: 2000 }`. */
  readonly caps?: Readonly<Record<string, number>>;
  /** Called once per fold so the owner can count it (never throws into the caller). */
  readonly onOverflow?: (metric: string, label: string) => void;
}

export class LabelGuard {
  private readonly seen = new Map<string, Set<string>>();
  private readonly defaultCap: number;
  private readonly caps: Readonly<Record<string, number>>;
  private readonly onOverflow: (metric: string, label: string) => void;

  constructor(options: LabelGuardOptions = {}) {
    this.defaultCap = options.defaultCap ?? DEFAULT_LABEL_CAP;
    this.caps = options.caps ?? {};
    this.onOverflow = options.onOverflow ?? (() => undefined);
  }

  /** The value to use for `label` on `metric`: `raw` itself while under the cap, else `other`. */
  value(metric: string, label: string, raw: string): string {
    const v =
      raw === '' ? 'none' : raw.length > MAX_LABEL_VALUE_LENGTH ? raw.slice(0, MAX_LABEL_VALUE_LENGTH) : raw;
    const key = `${metric}\u0000${label}`;
    let values = this.seen.get(key);
    if (values === undefined) {
      values = new Set();
      this.seen.set(key, values);
    }
    if (values.has(v)) return v;
    if (values.size >= (this.caps[label] ?? this.defaultCap)) {
      this.onOverflow(metric, label);
      return OVERFLOW_LABEL_VALUE;
    }
    values.add(v);
    return v;
  }

  /** Frees a value (an influencer that stopped being tracked) so its slot can be reused. */
  forget(metric: string, label: string, raw: string): void {
    this.seen.get(`${metric}\u0000${label}`)?.delete(raw);
  }
}
