/**
 * The metric catalogue: every name the service exports, its label names, and the histogram
 * buckets. It lives apart from the Metrics class so the dashboard and alert tests (and anyone
 * writing PromQL) have one list to check against, and so a rename shows up as one diff here.
 * Names follow Prometheus conventions: `ingest_` prefix, base units (seconds, bytes), `_total`
 * on counters.
 */

export const METRIC_PREFIX = 'ingest_';

/**
 * Buckets for latencies that are usually milliseconds but must still show a multi-second
 * stall: 0.5 ms .. 30 s, roughly 2.5x apart, in seconds (Prometheus base unit).
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

/**
 * Per-stage signal latency: most stages take micro- to milliseconds at the latency-first
 * defaults, and a held key or a slow broker must still show: 50 µs .. 30 s, in seconds.
 */
export const STAGE_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025,
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

/**
 * The `stage` label of `ingest_signal_stage_seconds`: the four consecutive stages of a signal
 * (frame receipt -> fan-in out -> signal derived -> sink enqueue -> sink ack) and two totals.
 */
export const SIGNAL_STAGES = [
  'receipt_to_fanin',
  'fanin_to_derived',
  'derived_to_enqueue',
  'enqueue_to_ack',
  'receipt_to_derived',
  'receipt_to_ack',
] as const;
export type SignalStage = (typeof SIGNAL_STAGES)[number];

/** Listener lag/skew can legitimately reach a minute (a stalled listener before failover). */
export const LAG_BUCKETS_SECONDS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/** Every metric this service defines (process/runtime metrics from prom-client come on top). */
export const METRIC_NAMES = Object.freeze({
  connectionsOpened: 'ingest_connections_opened_total',
  connectionsClosed: 'ingest_connections_closed_total',
  connectionsOpen: 'ingest_connections_open',
  reconnects: 'ingest_reconnects_total',
  subscribeRetries: 'ingest_subscribe_retries_total',
  listenerState: 'ingest_listener_state',
  listeners: 'ingest_listeners',
  listenerLag: 'ingest_listener_lag_seconds',
  listenerSkew: 'ingest_listener_skew_seconds',
  influencerSkew: 'ingest_influencer_listener_skew_seconds',
  failovers: 'ingest_failovers_total',
  influencerFailovers: 'ingest_influencer_failovers_total',
  roleRotations: 'ingest_role_rotations_total',
  messagesReceived: 'ingest_messages_received_total',
  influencerMessagesReceived: 'ingest_influencer_messages_received_total',
  signalsEmitted: 'ingest_signals_emitted_total',
  duplicatesSuppressed: 'ingest_duplicates_suppressed_total',
  eventsMissed: 'ingest_events_missed_total',
  framesRejected: 'ingest_frames_rejected_total',
  deadLetters: 'ingest_dead_letters_total',
  gapsDetected: 'ingest_gaps_detected_total',
  gapsBackfilled: 'ingest_gaps_backfilled_total',
  restWeightUsed: 'ingest_rest_weight_used_total',
  budgetUsed: 'ingest_budget_used',
  budgetLimit: 'ingest_budget_limit',
  sinkQueueDepth: 'ingest_sink_queue_depth',
  spoolBytes: 'ingest_spool_bytes',
  spoolRecords: 'ingest_spool_records',
  sinkPublishDuration: 'ingest_sink_publish_duration_seconds',
  sinkThreadGc: 'ingest_sink_thread_gc_duration_seconds',
  sinkPoisoned: 'ingest_sink_poisoned_total',
  recordsShed: 'ingest_records_shed_total',
  fillsDropped: 'ingest_fills_dropped_total',
  faninHolds: 'ingest_fanin_holds_total',
  cursorsRefused: 'ingest_cursors_refused_total',
  endToEndLatency: 'ingest_end_to_end_latency_seconds',
  signalStage: 'ingest_signal_stage_seconds',
  signalAge: 'ingest_signal_age_seconds',
  coverage: 'ingest_influencers_coverage',
  influencerHealthyListeners: 'ingest_influencer_healthy_listeners',
  tradesSeen: 'ingest_trades_seen_total',
  labelOverflow: 'ingest_metric_label_overflow_total',
  /** `thread`: main (the event loop) | other (every other thread summed). Linux only (no series elsewhere). */
  threadCpu: 'ingest_thread_cpu_seconds_total',
  /** Time ready to run but without a CPU: the host's share of the latency tail. Same labels. */
  threadCpuWait: 'ingest_thread_cpu_wait_seconds_total',
} as const);

export type MetricKey = keyof typeof METRIC_NAMES;
export type MetricName = (typeof METRIC_NAMES)[MetricKey];

/** The same names as a list, for "does the dashboard only use metrics that exist" checks. */
export const ALL_METRIC_NAMES: readonly MetricName[] = Object.freeze(Object.values(METRIC_NAMES));

/** The coverage classes the dashboard badges and the dark/single alerts key on. */
export const COVERAGE_CLASSES = ['dual', 'single', 'dark'] as const;
export type CoverageClass = (typeof COVERAGE_CLASSES)[number];

/** Coverage from the number of healthy listeners of one influencer (each has at most two). */
export function coverageOf(healthyListeners: number): CoverageClass {
  if (healthyListeners >= 2) return 'dual';
  if (healthyListeners === 1) return 'single';
  return 'dark';
}

/**
 * The Kafka hand-off of distributed mode (issue #17), registered by HandoffMetrics only in a
 * `listeners` or `processor` process, so they sit apart from METRIC_NAMES (which a role-`all`
 * process exports in full). Labels: `role` (`listeners` | `processor`: the process role, not
 * a listener's primary/secondary role) and, on the listener side, `group` (A | B).
 */
export const HANDOFF_METRIC_NAMES = Object.freeze({
  bronzePublished: 'ingest_bronze_records_published_total',
  bronzeFailed: 'ingest_bronze_records_failed_total',
  bronzeSendErrors: 'ingest_bronze_send_errors_total',
  bronzePublishLatency: 'ingest_bronze_publish_latency_seconds',
  coordinationPartitions: 'ingest_coordination_partitions_owned',
  influencersOwned: 'ingest_influencers_owned',
  ownershipRebalances: 'ingest_ownership_rebalances_total',
  bronzeConsumed: 'ingest_bronze_records_consumed_total',
  bronzeTransit: 'ingest_bronze_transit_seconds',
  bronzePartitions: 'ingest_bronze_partitions_owned',
  bronzeLag: 'ingest_bronze_consumer_lag_records',
  bronzeCommits: 'ingest_bronze_commits_total',
  bronzeLastCommit: 'ingest_bronze_last_commit_timestamp_seconds',
  bronzeBadRecords: 'ingest_bronze_bad_records_total',
  bronzeRebalances: 'ingest_bronze_rebalances_total',
} as const);

export type HandoffMetricName = (typeof HANDOFF_METRIC_NAMES)[keyof typeof HANDOFF_METRIC_NAMES];
