/**
 * The pipeline's composition root: builds the registry, the event log and quarantine log
 * (the configured backend, see eventlogs.ts; retention on a timer), dedup (LRU + file/Redis/memory store), the validator, the
 * pipeline, metrics and the connector runner, and owns the ordered shutdown: connectors stop,
 * the pipeline flushes, logs and stores close, Redis quits. Nothing else wires concrete adapters.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import type { Clock, Logger, RedisPort } from '../../core/index.js';
import { createRedis } from '../../core/redis-client.js';
import type { DeepReadonly, PipelineConfig } from '../../config/index.js';
import { AggregationMetrics, ChainFollowerMetrics, PipelineMetrics } from '../../obs/index.js';
import type { ConnectorFactories } from '../connectors/index.js';
import { ConnectorRegistry } from '../connectors/index.js';
import { EvmConnector } from '../connectors/evm/index.js';
import type { DedupStore } from '../dedup/index.js';
import { Dedup, FileDedupStore, MemoryDedupStore, RedisDedupStore } from '../dedup/index.js';
import { FileEventLog, WatermarkStore } from '../eventlog/index.js';
import type { AggregationOutput, FeatureVector } from '../aggregation/index.js';
import {
  FileAggregationOutput,
  LogAggregator,
  settingsResolver,
  WindowEngine,
} from '../aggregation/index.js';
import type { EventLog } from '../eventlog/index.js';
import { Pipeline } from '../process/index.js';
import { Validator } from '../validation/index.js';
import type { LogName } from './eventlogs.js';
import { openEventLog, startRetention } from './eventlogs.js';
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
  /** Aggregation outputs besides the local file log (Kafka, ClickHouse gold), built by the caller. */
  readonly aggregationOutputs?: readonly AggregationOutput[];
  /** Sees every vector after the outputs took it (the live summary). */
  readonly onVectors?: (vectors: readonly FeatureVector[]) => void;
}

export interface PipelineRuntime {
  readonly pipeline: Pipeline;
  readonly registry: ConnectorRegistry;
  readonly eventLog: EventLog;
  readonly quarantineLog: EventLog;
  /** Raw records as received (pipeline.eventLog.bronze); undefined when off. */
  readonly bronzeLog: EventLog | undefined;
  /** Copies of anomaly-flagged events (pipeline.eventLog.anomalies); undefined when off. */
  readonly anomaliesLog: EventLog | undefined;
  readonly dedup: Dedup;
  /** Undefined when pipeline.aggregation.enabled is false. */
  readonly aggregator: LogAggregator | undefined;
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
  const eventLog = await openEventLog(c.eventLog, dataDir, 'events');
  const opened: EventLog[] = [eventLog];
  const openMore = async (name: LogName): Promise<EventLog> => {
    try {
      const log = await openEventLog(c.eventLog, dataDir, name);
      opened.push(log);
      return log;
    } catch (e) {
      await Promise.allSettled(opened.map((l) => l.close()));
      throw e;
    }
  };
  const quarantineLog = await openMore('quarantine');
  const bronzeLog = c.eventLog.bronze ? await openMore('bronze') : undefined;
  const anomaliesLog = c.eventLog.anomalies ? await openMore('anomalies') : undefined;
  const retention = startRetention(c.eventLog, opened, o.clock, o.logger);
  let redis: RedisPort | undefined;
  let store: DedupStore;
  if (c.dedup.store === 'redis') {
    const url = o.redisUrl ?? 'redis://127.0.0.1:6379';
    redis = createRedis({ url, keyPrefix: c.dedup.redisKeyPrefix }, 'pipeline');
    await redis.connect();
    store = new RedisDedupStore({ redis, keyPrefix: c.dedup.redisKeyPrefix, ttlMs: c.dedup.ttlMs });
  } else if (c.dedup.store === 'file') {
    store = new FileDedupStore(join(dataDir, 'dedup', 'ids'), c.eventLog.fsync === 'batch');
  } else {
    store = new MemoryDedupStore();
  }
  const dedup = new Dedup(store, c.dedup.lruEntries);
  // The same file `ingest backfill` keeps, so live and backfill share one watermark per partition.
  mkdirSync(dataDir, { recursive: true });
  const watermarks = WatermarkStore.open({
    file: join(dataDir, 'watermarks.json'),
    backfillAdvances: c.eventLog.backfillAdvancesWatermarks,
    now: () => o.clock.now(),
  });
  const validator = new Validator(c.validation);
  const pipeline = new Pipeline({
    log: eventLog,
    quarantine: quarantineLog,
    ...(bronzeLog !== undefined ? { bronze: bronzeLog } : {}),
    ...(anomaliesLog !== undefined ? { anomalies: anomaliesLog } : {}),
    dedup,
    validator,
    watermarks,
    batchRecords: c.batchRecords,
    flushIntervalMs: c.flushIntervalMs,
    logger: o.logger,
    clock: o.clock,
  });
  let chainMetrics: ChainFollowerMetrics | undefined;
  if (o.registry !== undefined) {
    chainMetrics = new ChainFollowerMetrics(o.registry);
    const m = new PipelineMetrics(o.registry);
    pipeline.events.on('ingested', m.ingested);
    pipeline.events.on('quarantined', m.quarantined);
    pipeline.events.on('duplicate', m.duplicate);
    pipeline.events.on('connectorError', m.connectorError);
    pipeline.events.on('pollLatency', m.pollLatency);
    m.readWatermarks(watermarks);
    pipeline.events.on('divergence', m.divergence);
    pipeline.events.on('catchUp', m.catchUp);
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
    // A chain-tip follower reports lag and reorgs as facts; they become its metrics here.
    (name, connector) => {
      if (chainMetrics !== undefined && connector instanceof EvmConnector)
        connector.onFact(chainMetrics.listener(name));
    },
  );
  const agg = c.aggregation.enabled ? startAggregation(o, eventLog, join(dataDir, 'aggregation')) : undefined;
  pipeline.start();
  const started = runner.start();
  let stopping: Promise<void> | undefined;
  return {
    pipeline,
    registry,
    eventLog,
    quarantineLog,
    bronzeLog,
    anomaliesLog,
    dedup,
    aggregator: agg?.aggregator,
    started,
    status: () => runner.status(),
    finished: () => runner.finished(),
    stop: () =>
      (stopping ??= (async () => {
        await runner.stop();
        await pipeline.stop();
        // After the pipeline's last write: the aggregator reads it all, emits early, then closes.
        await agg?.stop().catch((err: unknown) => o.logger.error({ err }, 'aggregation stop failed'));
        retention?.cancel();
        await eventLog.close();
        await quarantineLog.close();
        await bronzeLog?.close();
        await anomaliesLog?.close();
        await store.close();
        if (redis !== undefined) await redis.quit().catch(() => undefined);
      })()),
  };
}

/**
 * The aggregation stage: tails the event log on a timer into the window engine and writes every
 * vector to the local file log (dataDir/aggregation) and the caller's outputs. Polls never
 * overlap; stop() drains what is left, early-emits the open windows and closes the outputs.
 */
function startAggregation(
  o: PipelineRuntimeOptions,
  eventLog: EventLog,
  outDir: string,
): { aggregator: LogAggregator; stop(): Promise<void> } {
  const a = o.config.aggregation;
  const c = o.config.eventLog;
  const engine = new WindowEngine({
    settingsFor: settingsResolver({ defaults: a.defaults, markets: a.markets }),
    latePolicy: a.latePolicy,
  });
  const fileOut = new FileAggregationOutput(
    FileEventLog.open({
      dir: outDir,
      segmentBytes: c.segmentBytes,
      indexIntervalRecords: c.indexIntervalRecords,
      fsync: c.fsync,
    }),
  );
  const outputs: AggregationOutput[] = [fileOut, ...(o.aggregationOutputs ?? [])];
  const log = o.logger.child({ component: 'pipeline.aggregation' });
  const aggregator = new LogAggregator({
    log: eventLog,
    engine,
    batchRecords: a.batchRecords,
    // Each output on its own: one that fails (ClickHouse down) neither blocks nor loses the others'.
    // Not yet behind a DurableQueue: what a failed output missed is logged, not retried.
    emit: async (vs) => {
      for (const out of outputs) {
        await out
          .write(vs)
          .catch((err: unknown) =>
            log.error({ err, output: out.constructor.name, vectors: vs.length }, 'aggregation output failed'),
          );
      }
      o.onVectors?.(vs);
    },
    onCorrections: async (events) => {
      await fileOut.writeCorrections(events);
      log.warn({ count: events.length }, 'too-late events routed to the correction path');
    },
    onUndecodable: (partition, offset, err) =>
      log.warn({ partition, offset, err }, 'event-log record is not an envelope: skipped by aggregation'),
  });
  if (o.registry !== undefined) {
    const m = new AggregationMetrics(o.registry);
    aggregator.events.on('emitted', m.emitted);
    aggregator.events.on('late', m.late);
    aggregator.events.on('undecodable', m.undecodable);
  }
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    running = running
      .then(() => aggregator.poll())
      .then(
        () => undefined,
        (err: unknown) => log.error({ err }, 'aggregation poll failed; retried next period'),
      );
  };
  const timer = setInterval(tick, a.pollIntervalMs);
  return {
    aggregator,
    async stop() {
      clearInterval(timer);
      await running;
      await eventLog.flush();
      await aggregator.drain();
      await aggregator.flush();
      for (const out of outputs)
        await out.close().catch((err: unknown) => log.warn({ err }, 'aggregation output close failed'));
    },
  };
}
