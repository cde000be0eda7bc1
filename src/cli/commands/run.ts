/**
 * `ingest run`: the service. Settings come from `--config` (or INGEST_CONFIG) plus the
 * documented INGEST_* environment variables; with neither it runs the embedded default:
 * the simulator as source, local NDJSON sinks, signals printed as they happen.
 *
 * SIGTERM/SIGINT start the ordered shutdown (listeners stop, fan-in drains, signals settle,
 * sinks flush, the rest stays fsync'd in the spool). A second signal, or the shutdown
 * timeout, exits at once; the spool makes that safe.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { App } from '../../app/index.js';
import { errorMessage } from '../../core/index.js';
import { PROCESS_ROLES, loadConfig, systemEnv } from '../../config/index.js';
import { createLogger, initTracing } from '../../obs/index.js';
import { EXIT } from '../exit-codes.js';
import { describeStartupFailure } from '../startup-errors.js';
import { distributedHandoff } from './run-handoff.js';

/** Longest graceful shutdown before a hard exit. */
const SHUTDOWN_TIMEOUT_MS = 25_000;
/** Grace after `stopped` before a process something still holds open exits anyway. */
const LINGER_MS = 2000;

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run the ingester (embedded default: simulator source, local sinks, no servers)')
    .option(
      '-c, --config <path>',
      'service config file (YAML or JSON); default: INGEST_CONFIG or embedded defaults',
    )
    .option(
      '--duration <seconds>',
      'stop by itself after this many seconds (demos, smoke tests)',
      parseSeconds,
    )
    .addOption(
      new Option(
        '--role <role>',
        'what this process runs (overrides INGEST_ROLE / distributed.role; default all)',
      ).choices(PROCESS_ROLES),
    )
    .action(async (opts: RunOptions) => {
      process.exitCode = await runService(opts);
    });
}

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`--duration expects a positive number of seconds, got ${v}`);
  return n;
}

interface RunOptions {
  readonly config?: string;
  readonly duration?: number;
  readonly role?: string;
}

async function runService(opts: RunOptions): Promise<number> {
  const loaded = loadConfig({
    ...(opts.config === undefined ? {} : { path: opts.config }),
    // --role is the same setting as INGEST_ROLE, validated by the same schema.
    env: opts.role === undefined ? systemEnv() : { ...systemEnv(), INGEST_ROLE: opts.role },
  });
  const config = loaded.config;
  const local = config.sinks.kafka.brokers.length === 0;
  const printSignals = config.sinks.local.printSignals || (local && config.source.kind === 'simulator');
  // The logger writes to stderr (always), so stdout carries only the signal lines.
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty });
  const tracing = await initTracing({
    exporter: config.tracing.exporter,
    ...(config.tracing.endpoint === undefined ? {} : { endpoint: config.tracing.endpoint }),
    serviceName: config.tracing.serviceName,
    logger,
  });
  // The operator's line on stderr: what is wrong and the setting that fixes it, no stack
  // trace. The log is stderr too, so this line alone says it (a JSON fatal record with the
  // stack beside it would bury the line); the cause is logged at debug for whoever needs it.
  const reportStartupFailure = (err: unknown): number => {
    const failure = describeStartupFailure(err, {
      httpHost: config.http.host,
      httpPort: config.http.port,
      simulatorPort: config.source.kind === 'simulator' ? config.source.simulator.port : null,
      spoolDir: config.sinks.spool.dir,
      redisUrl: config.redis.url,
    });
    logger.debug({ err, kind: failure.kind, exitCode: failure.exitCode }, failure.line);
    process.stderr.write(`ingest: ${failure.line}\n`);
    return failure.exitCode;
  };
  let handoff: Awaited<ReturnType<typeof distributedHandoff>>;
  try {
    handoff = await distributedHandoff(config, logger);
  } catch (err) {
    const code = reportStartupFailure(err);
    await tracing.shutdown().catch(() => undefined);
    return code;
  }
  const app = new App({
    config,
    logger,
    ...(handoff ? { handoff } : {}),
    ...(printSignals ? { onSignalLine: (line: string) => void process.stdout.write(line + '\n') } : {}),
  });

  let signals = 0;
  const done = new Promise<number>((resolve) => {
    const stop = (why: string): void => {
      signals++;
      if (signals > 1) {
        logger.warn({ why }, 'second stop request: exiting now (undelivered records are in the spool)');
        process.exit(EXIT.FAILURE);
      }
      logger.info({ why }, 'stopping');
      const hard = setTimeout(() => {
        logger.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out: exiting now');
        process.exit(EXIT.FAILURE);
      }, SHUTDOWN_TIMEOUT_MS);
      hard.unref();
      const finish = (code: number): void => {
        // After `stopped` nothing should hold the event loop; if something still does, name it
        // (so the leak can be fixed) and leave instead of waiting for the hard deadline.
        setTimeout(() => {
          logger.warn(
            { resources: process.getActiveResourcesInfo(), handles: openHandles() },
            `still running ${LINGER_MS} ms after stop: exiting`,
          );
          process.exit(code);
        }, LINGER_MS).unref();
        resolve(code);
      };
      app
        .close(SHUTDOWN_TIMEOUT_MS - 5000)
        .then(() => tracing.shutdown())
        .then(
          () => finish(EXIT.OK),
          (err: unknown) => {
            logger.error({ err }, `shutdown failed: ${errorMessage(err)}`);
            finish(EXIT.FAILURE);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    if (opts.duration !== undefined) setTimeout(() => stop('duration elapsed'), opts.duration * 1000).unref();
  });

  try {
    if (printSignals) {
      process.stderr.write(
        `ingest: source=${config.source.kind} sinks=${local ? config.sinks.local.dir : 'kafka'}; signals below, logs on stderr\n`,
      );
    }
    await app.start();
    if (printSignals && app.httpUrl) process.stderr.write(`ingest: status page ${app.httpUrl}/status\n`);
  } catch (err) {
    const code = reportStartupFailure(err);
    await app.close(5000).catch(() => undefined);
    await tracing.shutdown().catch(() => undefined);
    return code;
  }
  return done;
}

/**
 * What each open handle is (`Socket fd 2`, `Socket 127.0.0.1:9092`, `Server`), so a leak named
 * in the "still running after stop" warning can be traced to its owner: getActiveResourcesInfo
 * only says "TCPSocketWrap". Timers are not handles (Node lists them as "Timeout" in
 * `resources` only). Reads Node's internal handle list, fine for a diagnostic that runs once.
 */
function openHandles(): string[] {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  return handles.map((h) => {
    if (typeof h !== 'object' || h === null) return String(h);
    const name = h.constructor.name;
    const sock = h as { remoteAddress?: string; remotePort?: number; _handle?: { fd?: number } | null };
    if (sock.remoteAddress !== undefined) return `${name} ${sock.remoteAddress}:${sock.remotePort ?? ''}`;
    const fd = sock._handle?.fd;
    return typeof fd === 'number' && fd >= 0 ? `${name} fd ${fd}` : name;
  });
}
