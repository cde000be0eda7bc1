/**
 * Reprocessing wired to a connector registry: builds (lazily, once each) the connector that
 * normalizes a bronze record, from the same factories as a live run, and runs the rebuild over
 * the file logs under pipeline.dataDir: bronze in, silver (or a given output log) out. Used by
 * `ingest reprocess` and by the running pipeline's POST /reprocess.
 */
import { join, resolve } from 'node:path';
import type { Clock, Logger } from '../../core/index.js';
import type { DeepReadonly, PipelineConfig } from '../../config/index.js';
import type { ConnectorFactories, ConnectorManifest } from '../connectors/index.js';
import type { ConnectorRegistry } from '../connectors/index.js';
import type { EventLog } from '../eventlog/index.js';
import { FileEventLog } from '../eventlog/index.js';
import type { ReprocessResult, ReprocessStage, ReprocessTarget } from '../reprocess/index.js';
import { reprocess } from '../reprocess/index.js';

export interface ReprocessWindow {
  readonly from: number;
  readonly to: number;
  readonly stage: ReprocessStage;
}

/** connectorId → the connector (built on first use) and manifest; undefined when it cannot be built. */
export function reprocessTargets(
  registry: ConnectorRegistry,
  factories: ConnectorFactories,
  clock: Clock,
  logger: Logger,
): (connectorId: string) => ReprocessTarget | undefined {
  const built = new Map<string, ReprocessTarget | undefined>();
  return (id) => {
    if (built.has(id)) return built.get(id);
    const e = registry.get(id);
    const manifest = e?.manifest as ConnectorManifest | undefined;
    const factory = manifest === undefined ? undefined : factories[manifest.kind];
    const t =
      e === undefined || manifest === undefined || factory === undefined
        ? undefined
        : {
            manifest,
            connector: factory({ manifest, dir: e.dir, clock, logger: logger.child({ connector: id }) }),
          };
    built.set(id, t);
    return t;
  };
}

export interface LocalReprocessOptions {
  readonly config: DeepReadonly<PipelineConfig>;
  readonly registry: ConnectorRegistry;
  readonly factories: ConnectorFactories;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly window: ReprocessWindow;
  /** Open logs of a running pipeline; absent: opened (and closed) here under dataDir. */
  readonly bronze?: EventLog;
  readonly output?: EventLog;
}

export async function reprocessLocal(o: LocalReprocessOptions): Promise<ReprocessResult> {
  const c = o.config;
  const dataDir = resolve(c.dataDir);
  const logOpts = {
    segmentBytes: c.eventLog.segmentBytes,
    indexIntervalRecords: c.eventLog.indexIntervalRecords,
    fsync: c.eventLog.fsync,
  };
  const bronze = o.bronze ?? FileEventLog.open({ dir: join(dataDir, 'bronze'), ...logOpts });
  const output = o.output ?? FileEventLog.open({ dir: join(dataDir, 'events'), ...logOpts });
  try {
    return await reprocess({
      bronze,
      output,
      connectorFor: reprocessTargets(o.registry, o.factories, o.clock, o.logger),
      validation: c.validation,
      ...o.window,
    });
  } finally {
    if (o.bronze === undefined) await bronze.close();
    if (o.output === undefined) await output.close();
  }
}
