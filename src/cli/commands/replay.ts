/**
 * `ingest replay --file <ndjson>` or `--clickhouse <url> --influencer <id>`: re-derive signals
 * from stored raw events (eventType 'fill'; from the local NDJSON store or the ClickHouse raw
 * store, de-duplicated) and print them as NDJSON to stdout or --out. The same input always
 * reproduces the same signals byte for byte. Damaged lines are reported on stderr and skipped;
 * with --strict any damaged line makes the command exit 3.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { IngestError, MARKET_CLASSES, ValidationError } from '../../core/index.js';
import type { MarketClass, RawEvent } from '../../core/index.js';
import { systemEnv } from '../../config/index.js';
import { SIGNAL_MODES, ndjsonInTimeOrder, readNdjsonRawEvents, replay } from '../../positions/index.js';
import type { SignalMode } from '../../positions/index.js';
import { EXIT } from '../exit-codes.js';

interface ReplayCliOptions {
  file?: string;
  clickhouse?: string;
  database?: string;
  influencer?: string;
  market?: string;
  from?: string;
  to?: string;
  out?: string;
  mode: string;
  classes: string;
  strict?: boolean;
}

function parseClasses(s: string): MarketClass[] {
  const parts = s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  for (const p of parts)
    if (!(MARKET_CLASSES as readonly string[]).includes(p))
      throw new ValidationError(
        `--classes: unknown market class "${p}" (allowed: ${MARKET_CLASSES.join(', ')})`,
        [],
      );
  return parts as MarketClass[];
}

export async function runReplay(
  o: ReplayCliOptions,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<number> {
  if (!(SIGNAL_MODES as readonly string[]).includes(o.mode))
    throw new ValidationError(`--mode: expected one of ${SIGNAL_MODES.join(', ')}, got "${o.mode}"`, []);
  const signalClasses = parseClasses(o.classes);
  const out = o.out ? createWriteStream(o.out, { encoding: 'utf8' }) : stdout;
  let badLines = 0;
  const source = await rawSource(o, (line, reason) => {
    badLines++;
    stderr.write(`${o.file ?? 'input'}:${line}: skipped: ${reason}\n`);
  });
  if (!source.ordered)
    stderr.write(
      `replay: ${o.file ?? 'input'} is not in event-time order: reading it whole to sort it (memory grows with the input)\n`,
    );
  const stats = await replay(source.events, {
    ordered: source.ordered,
    mode: o.mode as SignalMode,
    signalClasses,
    onInvalid: (id, reason) => stderr.write(`event ${id}: skipped: ${reason}\n`),
    onSignal: async (s) => {
      if (!out.write(JSON.stringify(s) + '\n')) await once(out, 'drain');
    },
  });
  await source.close();
  if (o.out) {
    const ws = out as ReturnType<typeof createWriteStream>;
    ws.end();
    await once(ws, 'finish');
  }
  stderr.write(
    `replay: ${stats.rawEvents} raw events, ${stats.fills} fills, ${stats.duplicates} duplicates, ` +
      `${stats.skipped} non-fill, ${stats.invalid + badLines} invalid -> ${stats.signals} signals\n`,
  );
  return o.strict && stats.invalid + badLines > 0 ? EXIT.INVALID : EXIT.OK;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description(
      'Re-derive signals from stored raw events (an NDJSON file or ClickHouse) and print them as NDJSON.',
    )
    .option('--file <ndjson>', 'raw events, one JSON RawEvent per line (eventType "fill")')
    .option(
      '--clickhouse <url>',
      'read raw events from ClickHouse instead (password: INGEST_CLICKHOUSE_PASSWORD)',
    )
    .option('--database <name>', 'ClickHouse database', 'hl_ingest')
    .option('--influencer <id>', 'with --clickhouse: the influencer to replay (required)')
    .option('--market <coin>', 'with --clickhouse: only this market')
    .option('--from <ms>', 'with --clickhouse: event time lower bound (epoch ms, inclusive)')
    .option('--to <ms>', 'with --clickhouse: event time upper bound (epoch ms, exclusive)')
    .option('--out <file>', 'write signals here instead of stdout')
    .option('--mode <mode>', 'block: one signal per (market, block); order: per (order, block)', 'block')
    .option('--classes <list>', 'market classes that emit signals (perp,hip3,spot,outcome)', 'perp,hip3')
    .option('--strict', 'exit 3 when any line or event was invalid')
    .action(async (o: ReplayCliOptions) => {
      process.exitCode = await runReplay(o, process.stdout, process.stderr);
    });
}

interface RawInput {
  readonly events: AsyncIterable<RawEvent>;
  /** In event-time order: the replay streams it. */
  readonly ordered: boolean;
  close(): Promise<void>;
}

/** Exactly one input: --file, or --clickhouse with --influencer. */
async function rawSource(
  o: ReplayCliOptions,
  onBadLine: (line: number, reason: string) => void,
): Promise<RawInput> {
  if ((o.file === undefined) === (o.clickhouse === undefined))
    throw new IngestError('CLI_USAGE', 'replay: give exactly one of --file <ndjson> or --clickhouse <url>');
  if (o.file !== undefined) {
    const ordered = await ndjsonInTimeOrder(o.file);
    return { events: readNdjsonRawEvents(o.file, onBadLine), ordered, close: () => Promise.resolve() };
  }
  if (o.influencer === undefined)
    throw new IngestError('CLI_USAGE', 'replay: --clickhouse needs --influencer <id>');
  const num = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0)
      throw new IngestError('CLI_USAGE', `replay: ${flag} expects epoch milliseconds, got ${v}`);
    return n;
  };
  const { createClickHouseRawEventStore } = await import('../../sinks/clickhouse/index.js');
  const password = systemEnv()['INGEST_CLICKHOUSE_PASSWORD'];
  const store = createClickHouseRawEventStore({
    url: o.clickhouse ?? '',
    database: o.database ?? 'hl_ingest',
    ...(password === undefined ? {} : { password }),
    migrate: false,
  });
  const events = store.replay({
    influencerId: o.influencer,
    market: o.market,
    fromMs: num('--from', o.from),
    toMs: num('--to', o.to),
    eventTypes: ['fill'],
  });
  // The replay query orders by event time.
  return { events, ordered: true, close: () => store.close() };
}
