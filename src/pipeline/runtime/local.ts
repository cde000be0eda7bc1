/**
 * The pipeline's composition root: builds the registry, the event log and quarantine log
 * (file adapters under dataDir), dedup (LRU + file/Redis/memory store), the validator, the
 * pipeline, metrics and the connector runner, and owns the ordered shutdown: connectors stop,
 * the pipeline flushes, logs and stores close, Redis quits. Nothing else wires concrete adapters.
 */
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Clock, Logger } from '../../core/index.js';
import type { DeepReadonly, PipelineConfig } from '../../config/index.js';
import { PipelineMetrics } from '../../obs/index.js';
import type { ConnectorFactories } from '../connectors/index.js';
import { ConnectorRegistry } from '../connectors/index.js';
import type { DedupStore } from '../dedup/index.js';
import { Dedup, FileDedupStore, MemoryDedupStore, RedisDedupStore } from '../dedup/index.js';
import { FileEventLog } from '../eventlog/index.js';
import { Pipeline } from '../process/index.js';
import { Validator } from '../validation/index.js';
import { pipelineConnectorFactories } from './factories.js';
import type { ConnectorStatus } from './runner.js';
import { ConnectorRunner } from './runner.js';

export interface PipelineRuntimeOptions {
  readonly config: DeepReadonly<PipelineConfig>;
  /** For dedup.store = redis. */
  readonly redisUrl?: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Metrics register here when given. */
  readonly registry?: Registry;
  /** Extra connector kinds (see factories.ts). */
  readonly factories?: ConnectorFactories;
}

export interface PipelineRuntime {
  readonly pipeline: Pipeline;
  readonly registry: ConnectorRegistry;
  readonly eventLog: FileEventLog;
  readonly quarantineLog: FileEventLog;
  /** Raw records as received (pipeline.eventLog.bronze); undefined when off. */
  readonly bronzeLog: FileEventLog | undefined;
  readonly dedup: Dedup;
  /** Connector names started. */
  readonly started: readonly string[];
  status(): ConnectorStatus[];
  /** Resolves when every started connector finished on its own. */
  finished(): Promise<void>;
  /** Ordered, idempotent shutdown. */
  stop(): Promise<void>;
}

export async function startPipelineRuntime(o: PipelineRuntimeOptions): Promise<PipelineRuntime> {
  const c = o.config;
  const dataDir = resolve(c.dataDir);
  const registry = ConnectorRegistry.load(c.connectorsDir);
  const logOpts = {
    segmentBytes: c.eventLog.segmentBytes,
    indexIntervalRecords: c.eventLog.indexIntervalRecords,
    fsync: c.eventLog.fsync,
  };
  const eventLog = FileEventLog.open({ dir: join(dataDir, 'events'), ...logOpts });
  const quarantineLog = FileEventLog.open({ dir: join(dataDir, 'quarantine'), ...logOpts });
  const bronzeLog = c.eventLog.bronze
    ? FileEventLog.open({ dir: join(dataDir, 'bronze'), ...logOpts })
    : undefined;
  let redis: Redis | undefined;
  let store: DedupStore;
  if (c.dedup.store === 'redis') {
    redis = new Redis(o.redisUrl ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
    store = new RedisDedupStore({ redis, keyPrefix: c.dedup.redisKeyPrefix, ttlMs: c.dedup.ttlMs });
  } else if (c.dedup.store === 'file') {
    store = new FileDedupStore(join(dataDir, 'dedup', 'ids'), c.eventLog.fsync === 'batch');
  } else {
    store = new MemoryDedupStore();
  }
  const dedup = new Dedup(store, c.dedup.lruEntries);
  const validator = new Validator(c.validation);
  const pipeline = new Pipeline({
    log: eventLog,
    quarantine: quarantineLog,
    ...(bronzeLog !== undefined ? { bronze: bronzeLog } : {}),
    dedup,
    validator,
    batchRecords: c.batchRecords,
    flushIntervalMs: c.flushIntervalMs,
    logger: o.logger,
    clock: o.clock,
  });
  if (o.registry !== undefined) {
    const m = new PipelineMetrics(o.registry);
    pipeline.events.on('ingested', m.ingested);
    pipeline.events.on('quarantined', m.quarantined);
    pipeline.events.on('duplicate', m.duplicate);
    pipeline.events.on('connectorError', m.connectorError);
    pipeline.events.on('pollLatency', m.pollLatency);
    pipeline.events.on('watermark', m.watermark);
    pipeline.events.on('divergence', m.divergence);
  }
  for (const bad of registry.invalid)
    o.logger.warn({ connector: bad.name, problems: bad.problems }, 'connector.yaml invalid: not run');
  const runner = new ConnectorRunner(
    pipeline,
    registry.entries,
    pipelineConnectorFactories(o.factories),
    c.connectors,
    o.clock,
    o.logger,
  );
  pipeline.start();
  const started = runner.start();
  let stopping: Promise<void> | undefined;
  return {
    pipeline,
    registry,
    eventLog,
    quarantineLog,
    bronzeLog,
    dedup,
    started,
    status: () => runner.status(),
    finished: () => runner.finished(),
    stop: () =>
      (stopping ??= (async () => {
        await runner.stop();
        await pipeline.stop();
        await eventLog.close();
        await quarantineLog.close();
        await bronzeLog?.close();
        await store.close();
        if (redis !== undefined) await redis.quit().catch(() => undefined);
      })()),
  };
}
