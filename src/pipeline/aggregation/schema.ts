/**
 * FeatureSchema (M0 aggregation spec): a versioned list of features, each with a dtype, a
 * fixed-point scale, required/default and the rule that combines it across events and across
 * tick windows (rolling and epoch windows are merges of tick windows). Like the payload
 * layouts, the schema is data: the vector codec, the golden vectors and contracts/aggregation/
 * are all derived from it. Changing a published feature needs a new schema version.
 */

/**
 * Wire dtypes. i64/u64 are 8 bytes BE; `f64_scaled_u32` is round(x × 10^scale) as a u32 (ratios,
 * basis points); `bool` one byte; `string_ref` a u16 length + UTF-8 (an id such as an influencer).
 */
export const FEATURE_DTYPES = ['i64', 'u64', 'f64_scaled_u32', 'bool', 'string_ref'] as const;
export type FeatureDtype = (typeof FEATURE_DTYPES)[number];

/** How a feature combines: over a window's events in (event_time_ms, event_id) order, then across ticks. */
export const AGGREGATION_RULES = [
  'first',
  'last',
  'max',
  'min',
  'sum',
  'vwap',
  'mean_abs_return',
  'distinct_count',
  'consensus',
  'argmax_abs',
  'max_spread',
  'window_end_minus_last',
  'mean',
] as const;
export type AggregationRule = (typeof AGGREGATION_RULES)[number];

export type FeatureValue = bigint | number | boolean | string;

export interface FeatureSpec {
  readonly name: string;
  readonly dtype: FeatureDtype;
  /** Decimal places: the value is x × 10^scale (i64, u64, f64_scaled_u32); 0 for the others. */
  readonly scale: number;
  readonly description: string;
  /** A required feature is present in every vector; an optional one may be absent (then `default`). */
  readonly required: boolean;
  /** Written in place of an absent optional feature (JSON form: bigint as decimal text). */
  readonly default: FeatureValue;
  readonly aggregationRule: AggregationRule;
}

export interface FeatureSchema {
  readonly version: number;
  readonly domain: string;
  /** Market the schema is restricted to; absent = every market. */
  readonly market?: string;
  readonly features: readonly FeatureSpec[];
}

const PX = 8;
const f = (
  name: string,
  dtype: FeatureDtype,
  scale: number,
  required: boolean,
  aggregationRule: AggregationRule,
  description: string,
): FeatureSpec => ({
  name,
  dtype,
  scale,
  description,
  required,
  default: dtype === 'bool' ? false : dtype === 'string_ref' ? '' : dtype === 'f64_scaled_u32' ? 0 : 0n,
  aggregationRule,
});

/** Version 1: bars, volume/VWAP, volatility proxy, divergence, freshness/latency, influencer consensus. */
export const FEATURE_SCHEMA_V1: FeatureSchema = {
  version: 1,
  domain: 'crypto.perp',
  features: [
    f('trade_count', 'u64', 0, true, 'sum', 'Trades (TRADE_TICK_V1) in the window.'),
    f('open', 'i64', PX, false, 'first', 'First trade price; absent without trades.'),
    f('high', 'i64', PX, false, 'max', 'Highest trade price.'),
    f('low', 'i64', PX, false, 'min', 'Lowest trade price.'),
    f('close', 'i64', PX, false, 'last', 'Last trade price.'),
    f('volume', 'i64', PX, true, 'sum', 'Σ trade size (base units).'),
    f('notional', 'i64', PX, true, 'sum', 'Σ price × size, rounded half-even to the price scale.'),
    f('vwap', 'i64', PX, false, 'vwap', 'Σ(price·size) / Σ size, exact then truncated toward zero.'),
    f(
      'volatility_bps',
      'f64_scaled_u32',
      2,
      false,
      'mean_abs_return',
      'Volatility proxy: mean |p_i − p_{i−1}| / p_{i−1} over consecutive trades, in bps (absent under 2 trades).',
    ),
    f(
      'source_divergence_bps',
      'f64_scaled_u32',
      2,
      false,
      'max_spread',
      'Spread of the last reference price per (source, payload type) stream: (max − min) / min in bps (absent under 2 streams).',
    ),
    f('divergent_events', 'u64', 0, true, 'sum', 'Inputs flagged SOURCE_DIVERGENCE by validation.'),
    f(
      'freshness_ms',
      'u64',
      0,
      false,
      'window_end_minus_last',
      'Window end − event time of its last event (how old the newest input is at close).',
    ),
    f('latency_max_ms', 'u64', 0, false, 'max', 'Largest ingest − event time of an input (0 when negative).'),
    f('latency_mean_ms', 'u64', 0, false, 'mean', 'Mean ingest − event time, truncated.'),
    f('signal_count', 'u64', 0, true, 'sum', 'INFLUENCER_SIGNAL_V1 events in the window.'),
    f(
      'influencer_net_flow',
      'i64',
      PX,
      true,
      'sum',
      'Net signed flow of the tracked traders: Σ deltaSize of their signals (base units).',
    ),
    f(
      'influencers_long',
      'u64',
      0,
      true,
      'consensus',
      'Traders whose last signal in the window leaves them LONG.',
    ),
    f(
      'influencers_short',
      'u64',
      0,
      true,
      'consensus',
      'Traders whose last signal in the window leaves them SHORT.',
    ),
    f(
      'largest_mover',
      'string_ref',
      0,
      false,
      'argmax_abs',
      'Trader with the largest |Σ deltaSize| in the window (ties: smallest id).',
    ),
    f('largest_mover_flow', 'i64', PX, false, 'argmax_abs', "The largest mover's Σ deltaSize."),
    f(
      'consensus_ratio',
      'f64_scaled_u32',
      4,
      false,
      'consensus',
      'long / (long + short), 0..1 (1 = every active trader long); absent with no one long or short.',
    ),
  ],
};

export const FEATURE_SCHEMA = FEATURE_SCHEMA_V1;
export const FEATURE_SCHEMA_VERSION = FEATURE_SCHEMA.version;

/** Feature name → value; a missing key is an absent optional feature. */
export type FeatureValues = Readonly<Record<string, FeatureValue>>;

/** Checks a schema is well formed: unique names, known dtypes, defaults of the dtype. */
export function checkSchema(s: FeatureSchema): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const x of s.features) {
    if (seen.has(x.name)) problems.push(`${x.name}: duplicate feature name`);
    seen.add(x.name);
    const ok =
      (x.dtype === 'i64' || x.dtype === 'u64'
        ? typeof x.default === 'bigint'
        : x.dtype === 'f64_scaled_u32'
          ? typeof x.default === 'number'
          : x.dtype === 'bool'
            ? typeof x.default === 'boolean'
            : typeof x.default === 'string') && Number.isInteger(x.scale);
    if (!ok) problems.push(`${x.name}: default or scale does not fit dtype ${x.dtype}`);
  }
  return problems;
}
