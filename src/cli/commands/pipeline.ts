/**
 * `ingest pipeline run`: the generic connector pipeline in local mode. On the embedded default
 * it runs every enabled connector in connectors/ (synthetic, fixture, and Hyperliquid market data
 * from an embedded simulator — see pipeline-sources.ts) into the file event
 * log under pipeline.dataDir, prints one summary line per second on stdout (logs on stderr)
 * and serves /metrics, /health and /connectors on the ops port. Stops on SIGINT/SIGTERM,
 * after --duration, or (with --until-done) when every connector finished.
 */
import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { errorMessage, systemClock } from '../../core/index.js';
import { loadCommandContext } from '../pipeline-context.js';
import { ObsServer } from '../../obs/index.js';
import { REPROCESS_STAGES } from '../../pipeline/reprocess/index.js';
import type { ReprocessStage } from '../../pipeline/reprocess/index.js';
import {
  pipelineConnectorFactories,
  reprocessLocal,
  startPipelineRuntime,
  Summary,
} from '../../pipeline/runtime/index.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import { pipelineSources } from './pipeline-sources.js';
import { aggregationOutputs } from './pipeline-outputs.js';

interface RunOptions {
  readonly config?: string;
  readonly duration?: number;
  readonly connectors?: string;
  readonly dataDir?: string;
  readonly httpPort?: number;
  readonly untilDone?: boolean;
  readonly withIngester?: boolean;
}

export function registerPipeline(program: Command): void {
  const pipeline = program
    .command('pipeline')
    .description('The generic connector pipeline (connectors → NormalizedEvent log)');
  pipeline
    .command('run')
    .description('Run enabled connectors into the local file event log, with a live summary')
    .option('-c, --config <path>', 'service config file; default: INGEST_CONFIG or embedded defaults')
    .option('--duration <seconds>', 'stop by itself after this many seconds', positive)
    .option('--connectors <names>', 'comma-separated connector names (default: every enabled one)')
    .option('--data-dir <dir>', 'override pipeline.dataDir')
    .option('--http-port <port>', 'override http.port (0 = any free port)', port)
    .option('--until-done', 'stop when every connector has finished (fixture replays)')
    .option('--with-ingester', 'also run the influencer ingester in-process and ingest its fills and signals')
    .action(async (opts: RunOptions) => {
      process.exitCode = await run(opts);
    });
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number, got ${v}`);
  return n;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`expected a port 0..65535, got ${v}`);
  return n;
}

async function run(opts: RunOptions): Promise<number> {
  const { config, logger } = await loadCommandContext(opts.config);
  const pc = {
    ...config.pipeline,
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    ...(opts.connectors !== undefined
      ? {
          connectors: opts.connectors
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
  };
  const registry = new Registry();
  const summary = new Summary(systemClock.now());
  let runtime;
  let sources;
  try {
    sources = await pipelineSources(config, logger, systemClock, {
      withIngester: opts.withIngester === true,
    });
    logger.info(sources.describe);
    const aggOut = pc.aggregation.enabled
      ? await aggregationOutputs(config, logger)
      : { outputs: [], describe: [] };
    for (const d of aggOut.describe) logger.info(d);
    runtime = await startPipelineRuntime({
      aggregationOutputs: aggOut.outputs,
      config: pc,
      redisUrl: config.redis.url,
      logger,
      clock: systemClock,
      registry,
      factories: sources.factories,
      onVectors: (vs) => summary.observeVectors(vs),
    });
  } catch (err) {
    logger.fatal({ err }, `pipeline start-up failed: ${errorMessage(err)}`);
    await sources?.close();
    return exitCodeFor(err);
  }
  const src = sources;
  const rt = runtime;
  const http = new ObsServer({
    host: config.http.host,
    port: opts.httpPort ?? config.http.port,
    metrics: { scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }) },
    connectors: { connectors: () => rt.status() },
    readiness: { readiness: () => ({ ready: true, checks: [{ name: 'pipeline', ok: true }] }) },
    ...(config.http.token === undefined ? {} : { token: config.http.token }),
    ...(rt.bronzeLog === undefined
      ? {}
      : {
          reprocess: {
            stages: REPROCESS_STAGES,
            reprocess: async (r: { from: number; to: number; stage: string }) => {
              // What is buffered must be in bronze before the window is read back.
              await rt.pipeline.flush();
              return reprocessLocal({
                config: pc,
                registry: rt.registry,
                factories: pipelineConnectorFactories(src.factories),
                clock: systemClock,
                logger,
                window: { from: r.from, to: r.to, stage: r.stage as ReprocessStage },
                ...(rt.bronzeLog !== undefined ? { bronze: rt.bronzeLog } : {}),
                output: rt.eventLog,
              });
            },
          },
        }),
    logger,
  });
  const addr = await http.start().catch((err: unknown) => {
    logger.warn({ err }, 'ops http not started');
    return undefined;
  });
  process.stderr.write(
    `pipeline: connectors ${rt.started.join(', ') || '(none)'} → ${pc.dataDir}/events` +
      (addr !== undefined ? `; ops http://127.0.0.1:${addr.port}/connectors` : '') +
      '\n',
  );
  rt.pipeline.events.on('ingested', (e) => summary.observe(e.partition, e.lagMs));
  const print = (): void =>
    void process.stdout.write(summary.line(systemClock.now(), rt.pipeline.totals, rt.status()) + '\n');
  const ticker = setInterval(print, pc.summaryIntervalMs);

  const code = await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string): void => {
      if (stopping) process.exit(EXIT.FAILURE);
      stopping = true;
      logger.info({ why }, 'stopping pipeline');
      clearInterval(ticker);
      rt.stop()
        .then(() => src.close())
        .then(() => http.close())
        .then(
          () => {
            print();
            resolve(EXIT.OK);
          },
          (err: unknown) => {
            logger.error({ err }, `pipeline shutdown failed: ${errorMessage(err)}`);
            resolve(EXIT.FAILURE);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    if (opts.duration !== undefined) setTimeout(() => stop('duration elapsed'), opts.duration * 1000).unref();
    if (opts.untilDone === true) void rt.finished().then(() => stop('every connector finished'));
  });
  return code;
}
