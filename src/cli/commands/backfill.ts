/**
 * `ingest backfill`: one connector's history over a bounded range into the local event log
 * (pipeline.dataDir/events), chunk by chunk (src/pipeline/backfill). Progress is recorded in
 * pipeline.dataDir/backfill/<manifest key>.json, so the same command after a kill resumes at
 * the first uncommitted chunk. A bar on a TTY, one line per chunk otherwise (stderr; the final
 * JSON summary is on stdout). Exit codes: 0 done, 1 failed or interrupted (rerun to resume),
 * 2 bad usage, 3 bad range or manifest, 4 connector not found, 6 progress file of another
 * manifest, 7 no range source for the connector's kind.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { errorMessage, IngestError, parseAt, systemClock, ValidationError } from '../../core/index.js';
import { loadCommandContext } from '../pipeline-context.js';
import type { ChunkCommitted, RangeManifest, RangeSource } from '../../pipeline/backfill/index.js';
import {
  hlCandleRangeSource,
  hlFillsRangeSource,
  manifestKey,
  runBackfill,
} from '../../pipeline/backfill/index.js';
import { INFLUENCER_INGESTER_KIND } from '../../pipeline/connectors/influencer/index.js';
import { ConnectorRegistry } from '../../pipeline/connectors/index.js';
import { HL_MARKET_KIND, HlMarketOptions } from '../../pipeline/connectors/hyperliquid/index.js';
import { EvmConnectorOptions, EvmRangeSource, HttpEvmRpc } from '../../pipeline/connectors/evm/index.js';

/** The builtin factory key of the EVM connector (connectors/builtin.ts). */
const EVM_KIND = 'evm';
import { FileEventLog, WatermarkStore } from '../../pipeline/eventlog/index.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';

interface BackfillCliOptions {
  readonly connector: string;
  readonly from: string;
  readonly to: string;
  readonly chunk?: string;
  readonly concurrency?: string;
  readonly config?: string;
  readonly dataDir?: string;
  readonly infoUrl?: string;
  readonly rpcUrl?: string;
  readonly users?: string;
}

export function registerBackfill(program: Command): void {
  program
    .command('backfill')
    .description('Backfill one connector over a bounded range into the event log (resumable)')
    .requiredOption('--connector <name>', 'connector name (connectors/<name>/connector.yaml)')
    .requiredOption('--from <time|block>', 'inclusive start: ISO time, ms since epoch, or block number')
    .requiredOption('--to <time|block>', 'exclusive end, same forms as --from')
    .option('--chunk <size>', 'chunk length: ms, or with a unit (30s, 15m, 1h, 1d); blocks for block ranges')
    .option('--concurrency <n>', 'chunks fetched at once (default pipeline.backfill.concurrency)')
    .option('-c, --config <path>', 'service config file; default: INGEST_CONFIG or embedded defaults')
    .option('--data-dir <dir>', 'override pipeline.dataDir')
    .option('--info-url <url>', 'override the Hyperliquid info URL (manifest, or hyperliquid.infoUrl)')
    .option('--rpc-url <url>', 'override the EVM JSON-RPC URL of an evm connector (manifest options.rpcUrl)')
    .option(
      '--users <addresses>',
      'influencer-ingester: comma-separated 0x addresses whose fills to backfill',
    )
    .action(async (opts: BackfillCliOptions) => {
      process.exitCode = await backfill(opts);
    });
}

/** The connector's kind has no RangeSource yet: exit 7 (not available), not a usage error. */
class NoRangeSource extends Error {}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A point of a time range: ms since epoch, or an ISO 8601 time. */
export function parseTimePoint(flag: string, v: string): number {
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}/.test(v))
    throw new ValidationError(`${flag}: expected an ISO time or ms since epoch, got "${v}"`, [flag]);
  return t;
}

export function parseChunk(v: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(v);
  if (m === null)
    throw new ValidationError(`--chunk: expected e.g. 60000, 30s, 15m, 1h or 1d, got "${v}"`, ['--chunk']);
  return Number(m[1]) * (UNITS[m[2] ?? 'ms'] as number);
}

/** --chunk of a block range: a plain block count. */
export function parseBlockCount(v: string): number {
  if (!/^[1-9]\d*$/.test(v))
    throw new ValidationError(`--chunk: a block range is cut in block counts, e.g. 500; got "${v}"`, [
      '--chunk',
    ]);
  return Number(v);
}

async function backfill(opts: BackfillCliOptions): Promise<number> {
  const { config, logger } = await loadCommandContext(opts.config);
  const pc = config.pipeline;
  const dataDir = resolve(opts.dataDir ?? pc.dataDir);
  let log: FileEventLog | undefined;
  const ac = new AbortController();
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(EXIT.FAILURE);
    interrupted = true;
    process.stderr.write('\nbackfill: interrupted; stopping after the chunk being committed\n');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const registry = ConnectorRegistry.load(pc.connectorsDir);
    const entry = registry.get(opts.connector);
    if (entry === undefined)
      throw new IngestError('CONFIG_NOT_FOUND', `no connector "${opts.connector}" in ${pc.connectorsDir}`);
    if (entry.manifest === undefined)
      throw new IngestError(
        'CONFIG_INVALID',
        `connector ${opts.connector}: connector.yaml invalid: ${entry.problems.join('; ')}`,
      );
    const cm = entry.manifest;
    let source: RangeSource;
    // Source parameters beyond the manifest (the accounts) name the progress file too: another
    // account set is another run, never a resume of this one.
    let variant = '';
    // What both Hyperliquid sources normalize with (the live connector's validation, a quarantine log line).
    const normalizing = {
      validation: pc.validation,
      clock: systemClock,
      logger,
      onQuarantine: (q: { reason: string; detail?: string }, chunk: { index: number }) =>
        logger.warn(
          { reason: q.reason, detail: q.detail, chunk: chunk.index },
          'backfill record quarantined',
        ),
    };
    if (cm.kind === HL_MARKET_KIND) {
      const options = {
        ...parseAt(HlMarketOptions, cm.options, `options of connector ${cm.name}`),
        ...(opts.infoUrl !== undefined ? { infoUrl: opts.infoUrl } : {}),
      };
      source = hlCandleRangeSource({
        manifest: cm,
        options,
        ...normalizing,
      });
    } else if (cm.kind === INFLUENCER_INGESTER_KIND) {
      const users = (opts.users ?? '')
        .split(',')
        .map((u) => u.trim().toLowerCase())
        .filter(Boolean);
      const bad = users.filter((u) => !/^0x[0-9a-f]{40}$/.test(u));
      if (users.length === 0 || bad.length > 0)
        throw new ValidationError(
          users.length === 0
            ? `--users: connector ${cm.name} backfills fills of accounts; name them (0x addresses, comma-separated)`
            : `--users: not 0x addresses: ${bad.join(', ')}`,
          ['--users'],
        );
      variant =
        '.' +
        createHash('sha256')
          .update([...users].sort().join(','))
          .digest('hex')
          .slice(0, 12);
      source = hlFillsRangeSource({
        manifest: cm,
        dir: entry.dir,
        infoUrl: opts.infoUrl ?? config.hyperliquid.infoUrl,
        accounts: users.map((user) => ({ influencerId: user, user })),
        ...normalizing,
      });
    } else if (cm.kind === EVM_KIND) {
      // A block range of the chain, as the follower would emit it (EvmRangeSource): --from/--to
      // are block numbers, --chunk a block count. Keep ranges maxReorgDepth below the head.
      const o = parseAt(EvmConnectorOptions, cm.options ?? {}, `options of connector ${cm.name}`);
      source = new EvmRangeSource({
        connectorId: cm.name,
        connectorVersion: cm.version,
        sourceId: cm.source.id,
        sourceVersion: cm.source.version,
        rpc: new HttpEvmRpc({ url: opts.rpcUrl ?? o.rpcUrl, timeoutMs: o.rpcTimeoutMs }),
        filter: { addresses: o.addresses, topics: o.topics },
        domain: cm.markets[0]?.domain ?? 'chain.evm',
      });
    } else {
      throw new NoRangeSource(
        `connector ${cm.name} (kind ${cm.kind}) has no range source for backfill; supported: ${HL_MARKET_KIND}, ${INFLUENCER_INGESTER_KIND}, ${EVM_KIND}`,
      );
    }
    const manifest: RangeManifest = {
      connectorId: cm.name,
      kind: source.kind,
      from: parseTimePoint('--from', opts.from),
      to: parseTimePoint('--to', opts.to),
      chunkSize:
        source.kind === 'block'
          ? opts.chunk !== undefined
            ? parseBlockCount(opts.chunk)
            : pc.backfill.chunkBlocks
          : opts.chunk !== undefined
            ? parseChunk(opts.chunk)
            : pc.backfill.chunkMs,
    };
    const concurrency = opts.concurrency !== undefined ? Number(opts.concurrency) : pc.backfill.concurrency;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new ValidationError(`--concurrency: expected an integer 1..64, got "${opts.concurrency}"`, [
        '--concurrency',
      ]);
    log = FileEventLog.open({
      dir: join(dataDir, 'events'),
      segmentBytes: pc.eventLog.segmentBytes,
      indexIntervalRecords: pc.eventLog.indexIntervalRecords,
      fsync: pc.eventLog.fsync,
    });
    const watermarks = WatermarkStore.open({
      file: join(dataDir, 'watermarks.json'),
      backfillAdvances: pc.eventLog.backfillAdvancesWatermarks,
      now: () => systemClock.now(),
    });
    const key = manifestKey(manifest);
    const progressFile = join(dataDir, 'backfill', `${key}${variant}.json`);
    const bar = progressPrinter(process.stderr.isTTY === true);
    const res = await runBackfill({
      manifest,
      source,
      log,
      progressFile,
      concurrency,
      maxAttempts: pc.backfill.maxAttempts,
      clock: systemClock,
      watermarks,
      signal: ac.signal,
      onChunk: bar,
    });
    await log.close();
    process.stderr.write(
      `backfill ${key}: done (${res.totalChunks} chunks${res.resumedAt > 0 ? `, resumed at chunk ${res.resumedAt}` : ''})\n`,
    );
    process.stdout.write(JSON.stringify({ ...res, progressFile, eventLog: join(dataDir, 'events') }) + '\n');
    return EXIT.OK;
  } catch (err) {
    await log?.close().catch(() => undefined);
    if (interrupted) {
      process.stderr.write('backfill: interrupted; run the same command again to resume\n');
      return EXIT.FAILURE;
    }
    logger.error({ err }, `backfill failed: ${errorMessage(err)}`);
    process.stderr.write(`backfill failed: ${errorMessage(err)}\n`);
    return err instanceof NoRangeSource ? EXIT.NOT_IMPLEMENTED : exitCodeFor(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A redrawn bar on a TTY; one plain line per committed chunk otherwise (logs, CI, pipes). */
function progressPrinter(tty: boolean): (c: ChunkCommitted) => void {
  let events = 0;
  return (c) => {
    events += c.appended;
    if (!tty) {
      process.stderr.write(
        `backfill: chunk ${c.chunk.index} [${c.chunk.from}, ${c.chunk.to}) committed: ${c.committedChunks}/${c.totalChunks}, ` +
          `${c.events} events (${c.appended} new, ${c.duplicates} duplicate)\n`,
      );
      return;
    }
    const width = 30;
    const filled = Math.round((c.committedChunks / Math.max(1, c.totalChunks)) * width);
    const pct = Math.floor((c.committedChunks / Math.max(1, c.totalChunks)) * 100);
    process.stderr.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${c.committedChunks}/${c.totalChunks} chunks, ${events} new events`,
    );
    if (c.committedChunks === c.totalChunks) process.stderr.write('\n');
  };
}
