/**
 * The one service configuration schema. Sections live in schema-ingest.ts and schema-infra.ts;
 * this file composes them, adds the checks that span sections (a custom network needs URLs,
 * influencers from the simulator need the simulator source, ...) and resolves network URLs.
 * Parse with parseServiceConfig (loader.ts), which also deep-freezes the result.
 */
import { z } from 'zod';
import {
  FaninConfig,
  HyperliquidConfig,
  InfluencersConfig,
  ListenersConfig,
  NETWORK_URLS,
  PositionsConfig,
  SourceConfig,
} from './schema-ingest.js';
import {
  HttpConfig,
  LogConfig,
  MetricsConfig,
  RedisConfig,
  SinksConfig,
  TracingConfig,
} from './schema-infra.js';
import { PipelineConfig } from './schema-pipeline.js';
import { DistributedConfig } from './schema-distributed.js';

export const ServiceConfigInput = z
  .object({
    hyperliquid: HyperliquidConfig.prefault({}).describe('Hyperliquid connection, limits and egress.'),
    source: SourceConfig.prefault({}).describe('Where fills come from.'),
    influencers: InfluencersConfig.prefault({}).describe('Where the tracked influencers come from.'),
    listeners: ListenersConfig.prefault({}).describe('Listener placement and rotation.'),
    fanin: FaninConfig.prefault({}).describe('De-duplicating, re-ordering fan-in.'),
    positions: PositionsConfig.prefault({}).describe('Position state machine and signals.'),
    sinks: SinksConfig.prefault({}).describe('Outputs.'),
    redis: RedisConfig.prefault({}).describe('Redis connection.'),
    http: HttpConfig.prefault({}).describe('HTTP endpoints.'),
    log: LogConfig.prefault({}).describe('Logging.'),
    tracing: TracingConfig.prefault({}).describe('Tracing.'),
    metrics: MetricsConfig.prefault({}).describe('Metrics.'),
    pipeline: PipelineConfig.prefault({}).describe('The generic connector pipeline (`ingest pipeline run`).'),
    distributed: DistributedConfig.prefault({}).describe('Distributed mode: role of this process.'),
  })
  .strict();

type Parsed = z.infer<typeof ServiceConfigInput>;

function crossChecks(c: Parsed, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string): void => {
    ctx.addIssue({ code: 'custom', path, message });
  };
  const hl = c.hyperliquid;
  if (hl.network === 'custom') {
    if (hl.wsUrl === undefined) issue(['hyperliquid', 'wsUrl'], 'required when network is custom');
    if (hl.infoUrl === undefined) issue(['hyperliquid', 'infoUrl'], 'required when network is custom');
  }
  if (hl.heartbeat.pongTimeoutMs >= hl.heartbeat.pingIntervalMs) {
    issue(['hyperliquid', 'heartbeat', 'pongTimeoutMs'], 'must be less than pingIntervalMs');
  }
  if (hl.stallTimeoutMs <= hl.heartbeat.pingIntervalMs) {
    issue(['hyperliquid', 'stallTimeoutMs'], 'must be greater than heartbeat.pingIntervalMs');
  }
  if (hl.reconnect.initialDelayMs > hl.reconnect.maxDelayMs) {
    issue(['hyperliquid', 'reconnect', 'initialDelayMs'], 'must not exceed maxDelayMs');
  }
  const seen = new Set<string>();
  hl.egressPools.forEach((p, i) => {
    if (seen.has(p.name)) issue(['hyperliquid', 'egressPools', i, 'name'], `duplicate pool name "${p.name}"`);
    seen.add(p.name);
  });
  if (c.influencers.source === 'file' && c.influencers.file === undefined) {
    issue(['influencers', 'file'], 'required when influencers.source is file');
  }
  if (c.influencers.source === 'simulator' && c.source.kind !== 'simulator') {
    issue(['influencers', 'source'], 'simulator requires source.kind simulator');
  }
  if (c.tracing.exporter === 'otlp' && c.tracing.endpoint === undefined) {
    issue(['tracing', 'endpoint'], 'required when exporter is otlp');
  }
  const sasl = c.sinks.kafka.sasl;
  if (sasl !== undefined && sasl.password === undefined) {
    issue(
      ['sinks', 'kafka', 'sasl', 'password'],
      'required with sasl: set INGEST_KAFKA_SASL_PASSWORD(_FILE)',
    );
  }
  if (
    c.pipeline.eventLog.backend === 'kafka' &&
    c.pipeline.eventLog.kafka.brokers.length === 0 &&
    c.sinks.kafka.brokers.length === 0
  ) {
    issue(
      ['pipeline', 'eventLog', 'kafka', 'brokers'],
      'required with backend kafka (or set sinks.kafka.brokers)',
    );
  }
  if (c.sinks.spool.spillThresholdRecords > c.sinks.spool.memoryRecords) {
    issue(['sinks', 'spool', 'spillThresholdRecords'], 'must not exceed memoryRecords');
  }
  const d = c.distributed;
  if (d.role === 'all' && d.handoff === 'kafka') {
    issue(['distributed', 'handoff'], 'role all runs in one process: the hand-off is in-process');
  }
  if (d.role !== 'all' && d.handoff === 'in-process') {
    issue(['distributed', 'handoff'], `role ${d.role} needs the kafka hand-off between processes`);
  }
}

/** Fills in what depends on other fields, so consumers never re-derive it. */
function resolve(c: Parsed) {
  const urls = c.hyperliquid.network === 'custom' ? undefined : NETWORK_URLS[c.hyperliquid.network];
  return {
    ...c,
    hyperliquid: {
      ...c.hyperliquid,
      wsUrl: c.hyperliquid.wsUrl ?? urls?.wsUrl ?? '',
      infoUrl: c.hyperliquid.infoUrl ?? urls?.infoUrl ?? '',
    },
    pipeline: {
      ...c.pipeline,
      eventLog: {
        ...c.pipeline.eventLog,
        kafka: {
          ...c.pipeline.eventLog.kafka,
          // The event log shares the ingester's cluster unless told otherwise.
          brokers:
            c.pipeline.eventLog.kafka.brokers.length > 0
              ? c.pipeline.eventLog.kafka.brokers
              : c.sinks.kafka.brokers,
        },
      },
    },
    redis: {
      ...c.redis,
      tls: { ...c.redis.tls, enabled: c.redis.tls.enabled || c.redis.url.startsWith('rediss:') },
    },
    distributed: {
      ...c.distributed,
      handoff: c.distributed.handoff ?? (c.distributed.role === 'all' ? 'in-process' : 'kafka'),
    },
  };
}

/** The schema: strict input, cross-section checks, resolved output. */
export const ServiceConfig = ServiceConfigInput.superRefine(crossChecks).transform(resolve);

/** The parsed, resolved and (after parseServiceConfig) deep-frozen configuration. */
export type ServiceConfig = DeepReadonly<z.output<typeof ServiceConfig>>;

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
