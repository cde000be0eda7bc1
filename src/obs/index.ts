/**
 * Observability: Prometheus metrics mapped from domain events, the operations HTTP server
 * (/metrics, /health, /ready, /status, status page, /log-level), the process logger and the
 * tracing helper. The composition root wires component events to `Metrics` methods and
 * implements the StatusProvider / ReadinessProvider ports.
 */
export { Metrics } from './metrics.js';
export type { MetricsOptions } from './metrics.js';
export type * from './metric-events.js';
export {
  ALL_METRIC_NAMES,
  COVERAGE_CLASSES,
  LAG_BUCKETS_SECONDS,
  LATENCY_BUCKETS_SECONDS,
  METRIC_NAMES,
  METRIC_PREFIX,
  SIGNAL_STAGES,
  STAGE_BUCKETS_SECONDS,
  coverageOf,
} from './metric-names.js';
export type { CoverageClass, MetricKey, MetricName, SignalStage } from './metric-names.js';
export { LabelGuard, OVERFLOW_LABEL_VALUE } from './label-guard.js';
export { readThreadTimes } from './thread-sched.js';
export type { ProcessThreadTimes } from './thread-sched.js';
export { DEFAULT_OBS_PORT, ObsServer } from './server.js';
export type { MetricsSource, ObsServerOptions } from './server.js';
export { LOG_LEVELS, READINESS_CHECKS, isLogLevel, readinessFromChecks } from './ports.js';
export { PIPELINE_METRIC_NAMES, PIPELINE_MS_BUCKETS, PipelineMetrics } from './pipeline-metrics.js';
export type {
  ConnectorsProvider,
  InfluencerStatus,
  ListenerStatus,
  LogLevel,
  LogLevelControl,
  Readiness,
  ReadinessCheck,
  ReadinessProvider,
  ReprocessControl,
  ReprocessRequest,
  StatusProvider,
  StatusSnapshot,
} from './ports.js';
export { prefersHtml } from './negotiate.js';
export { STATUS_PAGE_HTML, STATUS_PAGE_REFRESH_MS } from './status-page.js';
export { REDACTED, REDACT_PATHS, createLogger } from './logger.js';
export type { CreateLoggerOptions } from './logger.js';
export { TRACER_NAME, TRACE_EXPORTERS, initTracing, otlpTracesUrl, tracer, withSpan } from './tracing.js';
export type { TraceExporter, TracingHandle, TracingOptions } from './tracing.js';
export { AGGREGATION_METRIC_NAMES, AggregationMetrics } from './aggregation-metrics.js';
export { CHAIN_FOLLOWER_METRIC_NAMES, ChainFollowerMetrics } from './chain-follower-metrics.js';
export type { ChainFollowerFact } from './chain-follower-metrics.js';
export { HANDOFF_METRIC_NAMES } from './metric-names.js';
export type { HandoffMetricName } from './metric-names.js';
export { HandoffMetrics } from './handoff-metrics.js';
export type { BronzeSent, ListenerSide, PartitionLag, ProcessorSide } from './handoff-metrics.js';
