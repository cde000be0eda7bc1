/**
 * `ingest replay --file <ndjson>`: re-derive signals from stored raw events (one RawEvent per
 * line, eventType 'fill') and print them as NDJSON to stdout or --out. The same input always
 * reproduces the same signals byte for byte. Damaged lines are reported on stderr and skipped;
 * with --strict any damaged line makes the command exit 3.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { MARKET_CLASSES, ValidationError } from '../../core/index.js';
import type { MarketClass } from '../../core/index.js';
import { SIGNAL_MODES, readNdjsonRawEvents, replay } from '../../positions/index.js';
import type { SignalMode } from '../../positions/index.js';
import { EXIT } from '../exit-codes.js';

interface ReplayCliOptions {
  file: string;
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
  const stats = await replay(
    readNdjsonRawEvents(o.file, (line, reason) => {
      badLines++;
      stderr.write(`${o.file}:${line}: skipped: ${reason}\n`);
    }),
    {
      mode: o.mode as SignalMode,
      signalClasses,
      onInvalid: (id, reason) => stderr.write(`event ${id}: skipped: ${reason}\n`),
      onSignal: async (s) => {
        if (!out.write(JSON.stringify(s) + '\n')) await once(out, 'drain');
      },
    },
  );
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
    .description('Re-derive signals from stored raw events (NDJSON of RawEvent) and print them as NDJSON.')
    .requiredOption('--file <ndjson>', 'raw events, one JSON RawEvent per line (eventType "fill")')
    .option('--out <file>', 'write signals here instead of stdout')
    .option('--mode <mode>', 'block: one signal per (market, block); order: per (order, block)', 'block')
    .option('--classes <list>', 'market classes that emit signals (perp,hip3,spot,outcome)', 'perp,hip3')
    .option('--strict', 'exit 3 when any line or event was invalid')
    .action(async (o: ReplayCliOptions) => {
      process.exitCode = await runReplay(o, process.stdout, process.stderr);
    });
}
