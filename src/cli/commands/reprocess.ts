/**
 * `ingest reprocess --from --to [--stage silver]`: rebuild silver from the bronze log under
 * pipeline.dataDir for a window of received time, appending into the silver log (idempotent:
 * events already there are dropped as duplicates, missing ones restored). For a pipeline that
 * is running, use its POST /reprocess instead (same code, the running process's logs).
 * Connector kinds are built with the same factories as `ingest pipeline run`, only to normalize.
 * Exit codes: 0 done, 1 failed, 3 bad window or stage, 4 no bronze log.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { errorMessage, IngestError, IngesterTap, systemClock, ValidationError } from '../../core/index.js';
import { loadCommandContext } from '../pipeline-context.js';
import { ConnectorRegistry } from '../../pipeline/connectors/index.js';
import { HL_MARKET_KIND, hyperliquidMarketFactory } from '../../pipeline/connectors/hyperliquid/index.js';
import {
  INFLUENCER_INGESTER_KIND,
  influencerIngesterFactory,
} from '../../pipeline/connectors/influencer/index.js';
import { REPROCESS_STAGES } from '../../pipeline/reprocess/index.js';
import type { ReprocessStage } from '../../pipeline/reprocess/index.js';
import { pipelineConnectorFactories, reprocessLocal } from '../../pipeline/runtime/index.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { parseTimePoint } from './backfill.js';

interface ReprocessCliOptions {
  readonly from: string;
  readonly to: string;
  readonly stage: string;
  readonly config?: string;
  readonly dataDir?: string;
}

export function registerReprocess(program: Command): void {
  program
    .command('reprocess')
    .description('Rebuild silver from the bronze log for a window of received time (idempotent)')
    .requiredOption('--from <time>', 'inclusive start: ISO time or ms since epoch')
    .requiredOption('--to <time>', 'exclusive end: ISO time or ms since epoch')
    .option('--stage <stage>', `stage to rebuild: ${REPROCESS_STAGES.join(', ')}`, 'silver')
    .option('-c, --config <path>', 'service config file; default: INGEST_CONFIG or embedded defaults')
    .option('--data-dir <dir>', 'override pipeline.dataDir')
    .action(async (opts: ReprocessCliOptions) => {
      process.exitCode = await run(opts);
    });
}

async function run(opts: ReprocessCliOptions): Promise<number> {
  const { config, logger } = await loadCommandContext(opts.config);
  const pc = { ...config.pipeline, ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}) };
  try {
    const from = parseTimePoint('--from', opts.from);
    const to = parseTimePoint('--to', opts.to);
    if (to <= from) throw new ValidationError(`--to (${to}) must be after --from (${from})`, ['--to']);
    if (!(REPROCESS_STAGES as readonly string[]).includes(opts.stage))
      throw new ValidationError(
        `--stage: expected one of ${REPROCESS_STAGES.join(', ')}, got "${opts.stage}"`,
        ['--stage'],
      );
    const bronzeDir = join(resolve(pc.dataDir), 'bronze');
    if (!existsSync(bronzeDir))
      throw new IngestError(
        'CONFIG_NOT_FOUND',
        `no bronze log at ${bronzeDir}: nothing to reprocess (pipeline.eventLog.bronze was off, or no run yet)`,
      );
    const factories = pipelineConnectorFactories({
      [HL_MARKET_KIND]: hyperliquidMarketFactory(),
      [INFLUENCER_INGESTER_KIND]: influencerIngesterFactory(new IngesterTap()),
    });
    const res = await reprocessLocal({
      config: pc,
      registry: ConnectorRegistry.load(pc.connectorsDir),
      factories,
      clock: systemClock,
      logger,
      window: { from, to, stage: opts.stage as ReprocessStage },
    });
    process.stderr.write(
      `reprocess ${opts.stage} [${new Date(from).toISOString()}, ${new Date(to).toISOString()}): ` +
        `${res.rawInWindow} raw records → ${res.events} events, ${res.appended} new, ${res.duplicates} already there\n`,
    );
    for (const [id, n] of Object.entries(res.unknownConnectors))
      process.stderr.write(
        `reprocess: ${n} bronze records of connector ${id} skipped (not in ${pc.connectorsDir})\n`,
      );
    process.stdout.write(JSON.stringify(res) + '\n');
    return EXIT.OK;
  } catch (err) {
    logger.error({ err }, `reprocess failed: ${errorMessage(err)}`);
    process.stderr.write(`reprocess failed: ${errorMessage(err)}\n`);
    return exitCodeFor(err);
  }
}
