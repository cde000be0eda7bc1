/**
 * `ingest signals tail`: the signal topic for people. Reads Kafka through the reference consumer
 * (so what it shows is validated, deduplicated and chain-checked like a trading team's consumer
 * would see it) and prints the same line per signal as `npm start`, or the signal JSON with
 * --json. Filters by influencer, market and action; starts at the end, the beginning
 * (--from-beginning) or a time (--since). A throwaway group that never commits, so tailing never
 * moves anyone's offsets. Ctrl-C (SIGINT) or SIGTERM stops it cleanly with exit code 0.
 * Invalid records and chain breaks are reported on stderr; stdout carries only signals.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { IngestError, errorMessage } from '../../core/index.js';
import { loadConfig, systemEnv } from '../../config/index.js';
import { POSITION_ACTIONS, createSignalConsumer, signalLine } from '../../consumer/index.js';
import type { ConsumerStart, ReceivedSignal } from '../../consumer/index.js';
import { kafkaConnection } from '../../sinks/kafka/index.js';
import { EXIT } from '../exit-codes.js';

export interface TailOptions {
  readonly config?: string;
  readonly brokers?: string;
  readonly topic?: string;
  readonly influencer?: string[];
  readonly market?: string[];
  readonly action?: string[];
  readonly fromBeginning?: boolean;
  readonly since?: string;
  readonly json?: boolean;
}

function usage(message: string): IngestError {
  return new IngestError('CLI_USAGE', message);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an ISO time (`2026-12-04T15:00:00Z`), epoch ms, or an age (`90s`, `15m`, `2h`, `1d`). */
export function parseSince(text: string, now: number): number {
  const age = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (age) return now - Number(age[1]) * (UNIT_MS[age[2] as string] as number);
  if (/^\d+$/.test(text)) return Number(text);
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw usage(`--since: expected an ISO time, epoch ms or an age like 15m / 2h / 1d, got "${text}"`);
  return t;
}

/** Repeatable and comma-separated: `--market BTC,ETH --market SOL`. */
function list(values: readonly string[] | undefined): Set<string> | null {
  const items = (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return items.length === 0 ? null : new Set(items);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export async function runTail(o: TailOptions, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream) {
  if (o.fromBeginning === true && o.since !== undefined)
    throw usage('--from-beginning and --since exclude each other');
  const influencers = list(o.influencer);
  const markets = list(o.market);
  const actions = list(o.action?.map((a) => a.toUpperCase()));
  for (const a of actions ?? [])
    if (!(POSITION_ACTIONS as readonly string[]).includes(a))
      throw usage(`--action: unknown action "${a}" (allowed: ${POSITION_ACTIONS.join(', ')})`);
  const start: ConsumerStart =
    o.since !== undefined
      ? { since: parseSince(o.since, Date.now()) }
      : o.fromBeginning === true
        ? 'earliest'
        : 'latest';

  const k = loadConfig({ path: o.config, env: systemEnv() }).config.sinks.kafka;
  const brokers = o.brokers !== undefined ? o.brokers.split(',').map((b) => b.trim()) : [...k.brokers];
  if (brokers.length === 0 || brokers[0] === '')
    throw usage('no Kafka brokers: pass --brokers host:port or set INGEST_KAFKA_BROKERS');
  const topic = o.topic ?? k.topic;
  const shown = (s: ReceivedSignal): boolean =>
    (influencers === null || influencers.has(s.influencerId)) &&
    (markets === null || markets.has(s.market)) &&
    (actions === null || actions.has(s.action));

  const { ssl, sasl } = await kafkaConnection(k);
  let shownCount = 0;
  const consumer = createSignalConsumer({
    brokers,
    topic,
    clientId: k.clientId,
    groupId: `ingest-tail-${randomBytes(6).toString('hex')}`,
    start,
    commit: false,
    ...(ssl === undefined ? {} : { ssl }),
    ...(sasl === undefined ? {} : { sasl }),
    onSignal: (s) => {
      if (!shown(s)) return;
      shownCount++;
      stdout.write(`${o.json === true ? JSON.stringify(s) : signalLine(s)}\n`);
    },
    onInvalid: (m) => {
      stderr.write(
        `tail: invalid message at partition ${m.partition} offset ${m.offset} (${m.reason}): ${m.problems.join('; ')}\n`,
      );
    },
    onChainBreak: (b) => {
      stderr.write(
        `tail: chain break on ${b.key}: held position ${b.expectedPreviousPosition}, signal says previous ${b.previousPosition} (now ${b.position})\n`,
      );
    },
  });

  let onStop: (sig: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (onStop = resolve));
  process.once('SIGINT', onStop);
  process.once('SIGTERM', onStop);
  const from = typeof start === 'object' ? new Date(start.since).toISOString() : start;
  stderr.write(`tail: ${topic} on ${brokers.join(',')} from ${from}\n`);
  try {
    await consumer.start();
  } catch (e) {
    await consumer.stop().catch(() => undefined);
    throw new IngestError('SINK_UNAVAILABLE', `Kafka ${brokers.join(',')}: ${errorMessage(e)}`, { cause: e });
  }
  stderr.write('tail: consuming (Ctrl-C to stop)\n');
  const sig = await stopped;
  process.off('SIGINT', onStop);
  process.off('SIGTERM', onStop);
  await consumer.stop();
  const st = consumer.stats();
  stderr.write(
    `tail: ${sig}: stopped after ${shownCount} shown of ${st.signals} signals (${st.duplicates} duplicates, ${st.invalid} invalid, ${st.chainBreaks} chain breaks)\n`,
  );
  return EXIT.OK;
}

export function registerSignals(program: Command): void {
  const signals = program.command('signals').description('The published signal topic.');
  signals
    .command('tail')
    .description('Print signals from Kafka as they arrive (the `npm start` line, or --json). Ctrl-C stops.')
    .option('--config <path>', 'config file for the Kafka settings; default INGEST_CONFIG, else environment')
    .option(
      '--brokers <list>',
      'Kafka brokers host:port,... (default: sinks.kafka.brokers / INGEST_KAFKA_BROKERS)',
    )
    .option('--topic <name>', 'signal topic (default: sinks.kafka.topic / INGEST_KAFKA_TOPIC)')
    .option('--influencer <ids>', 'only these influencer ids (comma-separated, repeatable)', collect)
    .option(
      '--market <coins>',
      'only these markets, e.g. BTC,xyz:TSLA (comma-separated, repeatable)',
      collect,
    )
    .option('--action <actions>', `only these actions: ${POSITION_ACTIONS.join(',')} (repeatable)`, collect)
    .option('--from-beginning', 'start at the oldest retained signal instead of new ones')
    .option('--since <time>', 'start at a time: ISO, epoch ms, or an age like 15m / 2h / 1d')
    .option('--json', 'one signal JSON object per line instead of the human line')
    .action(async (o: TailOptions) => {
      process.exitCode = await runTail(o, process.stdout, process.stderr);
    });
}
