/**
 * `npm run bench`: every benchmark, one after another, each in its own child process
 * (`node --expose-gc --import tsx bench/run-all.ts --one <name>`) so one bench's heap, JIT state
 * and GC debt do not colour the next one's numbers and heap figures are exact (--expose-gc).
 * Ends with one summary table.
 *
 * The sinks and e2e-latency benches need Kafka and ClickHouse (e2e-latency: Kafka and Redis;
 * eventlog: Postgres and NATS for those rows, TEST_POSTGRES_URL / TEST_NATS_URL): they use TEST_KAFKA_BROKERS / TEST_CLICKHOUSE_URL / TEST_REDIS_URL
 * when set (e.g. `eval "$(npm run -s services -- env)"`), otherwise it starts its own throw-away
 * services with the integration-test harness and stops them afterwards. `--no-services` skips
 * that part instead; `--only a,b` runs a subset (names: see BENCHES).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FaninBenchResult } from './fanin.js';
import type { ListenerE2eResult, TrackerFigures } from './listener-e2e.js';
import type { MetricsOverheadResult } from './metrics-overhead.js';
import type { PipelineBenchResult } from './pipeline-ingest.js';
import type { AggregationBenchResult } from './aggregation.js';
import type { PositionsBenchResult } from './positions.js';
import type { E2eLatencyResult } from './e2e-latency.js';
import type { EventLogBenchRow } from './eventlog.js';
import type { SinksBenchResult } from './sinks.js';
import type { TradesBenchResult } from './trades-fastpath.js';
import type { FifoWindowsResult } from './fifo-windows.js';

/** One summary line: bench, what was measured, the number, and what to compare it with. */
interface Row {
  readonly bench: string;
  readonly metric: string;
  readonly value: string;
  readonly note?: string;
}

const RESULT_MARK = '@@bench-result ';
/** Upper bound for one bench child (the sinks bench starts a broker's topic and runs 10 s). */
const CHILD_TIMEOUT_MS = 15 * 60_000;

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, d = 2): string => n.toFixed(d);

/** Runs inside the child: the bench itself, returning rows for the table. */
const BENCHES: Record<string, () => Promise<Row[]>> = {
  async 'trades-fastpath'() {
    const { runTradesFastPathBench } = await import('./trades-fastpath.js');
    const r: TradesBenchResult = runTradesFastPathBench();
    const b = 'trades fast path';
    return [
      { bench: b, metric: 'baseline (JSON.parse + Set)', value: `${int(r.baselineTradesPerSec)} trades/s` },
      { bench: b, metric: 'fast path (raw scan + bitset)', value: `${int(r.fastPathTradesPerSec)} trades/s` },
      {
        bench: b,
        metric: 'fast path / baseline',
        value: `${fixed(r.ratio)}x`,
        note: `target >= 1.5x; ${int(r.trades)} trades, ${int(r.matchedTrades)} tracked`,
      },
    ];
  },

  async 'listener-e2e'() {
    const { runListenerE2e } = await import('./listener-e2e.js');
    const r: ListenerE2eResult = await runListenerE2e();
    const b = 'market stream over loopback ws';
    const row = (metric: string, f: TrackerFigures, extra = ''): Row => ({
      bench: b,
      metric,
      value: `${int(f.tradesPerSec)} trades/s`,
      note: `median; rounds ${f.rounds.map(int).join(', ')}${extra}`,
    });
    return [
      row('sdk tracker (@nktkas/hyperliquid)', r.sdk),
      row('our listener', r.listener, `; ${int(r.listener.matched)} fills`),
      row('ws floor (count only)', r.wsFloor),
      row('JSON.parse + Set, in-process (no socket)', r.parseFloor),
      {
        bench: b,
        metric: 'listener / sdk',
        value: `${fixed(r.ratio)}x`,
        note: `target >= 3x; ${int(r.frames)} frames, ${int(r.trades)} trades, ${r.coins} subscriptions`,
      },
      {
        bench: b,
        metric: 'listener / JSON.parse + Set floor',
        value: `${fixed(r.ratioToParseFloor)}x`,
        note: 'target >= 1x; the floor parses the same frames in-process, no socket',
      },
    ];
  },

  async fanin() {
    const { benchFanin } = await import('./fanin.js');
    const one: FaninBenchResult = benchFanin({ fillsPerBlock: 1, keys: 1000 });
    const r: FaninBenchResult = benchFanin();
    const b = 'fan-in (one core, 2 listeners)';
    return [
      {
        bench: b,
        metric: '1 fill/user/coin/block',
        value: `${int(one.uniqueFillsPerSecond)} unique fills/CPU-s`,
        note: `target >= 200,000; ${int(one.uniqueFillsPerWallSecond)}/wall-s`,
      },
      {
        bench: b,
        metric: '3 fills/user/coin/block',
        value: `${int(r.uniqueFillsPerSecond)} unique fills/CPU-s`,
        note: `${int(r.uniqueFillsPerWallSecond)}/wall-s; ${int(r.deliveriesPerSecond)} deliveries/CPU-s`,
      },
      {
        bench: b,
        metric: `dedup memory at ${int(r.dedupKeys)} keys`,
        value: `${fixed(r.compactHeapBytesPerKey, 1)} B/key`,
        note: `compact LRU heap delta (arrays ${fixed(r.compactBytesPerKey, 1)} B/key); Map<hex id> baseline ${fixed(r.mapHeapBytesPerKey, 1)} B/key`,
      },
    ];
  },

  async 'fifo-windows'() {
    const { runFifoWindowsBench } = await import('./fifo-windows.js');
    const r: FifoWindowsResult = runFifoWindowsBench();
    const b = 'oldest-first windows';
    return [
      {
        bench: b,
        metric: `consumer dedupe, ${int(r.window)} ids, full`,
        value: `${int(r.dedupeFifoNs)} ns/signal`,
        note: `FifoSet; the plain Set it replaced: ${int(r.dedupeSetNs)} ns/signal`,
      },
      {
        bench: b,
        metric: `delivery tracker, ${int(r.tracked)} live, swept by age`,
        value: `${int(r.trackerFifoNs)} ns/fill`,
        note: `FifoMap; the plain Map it replaced: ${int(r.trackerMapNs)} ns/fill`,
      },
    ];
  },

  async positions() {
    const { benchPositions } = await import('./positions.js');
    await benchPositions(5_000); // warm-up (JIT), as the bench's own main does
    const r: PositionsBenchResult = await benchPositions();
    return [
      {
        bench: 'positions (block mode)',
        metric: 'signals',
        value: `${int(r.signalsPerSecond)} signals/s`,
        note: `${int(r.fillsPerSecond)} fills/s, ${int(r.fillsPerCpuSecond)} fills/CPU-s (target >= 200,000); ${int(r.fills)} fills -> ${int(r.signals)} signals, one core`,
      },
    ];
  },

  async 'pipeline-ingest'() {
    const { runPipelineBench } = await import('./pipeline-ingest.js');
    const r: PipelineBenchResult = await runPipelineBench();
    const b = 'pipeline ingest (synthetic → validation → dedup → file log)';
    const l = r.latencyMs;
    return [
      {
        bench: b,
        metric: 'normalized events, one core',
        value: `${int(r.eventsPerCpuSecond)} events/s`,
        note: `target >= 100,000; wall ${int(r.eventsPerWallSecond)}/s; floor (generate + normalize) ${int(r.floorEventsPerSecond)}/s`,
      },
      {
        bench: b,
        metric: 'push → log ack latency',
        value: `p50 ${fixed(l.p50)} ms`,
        note: `p90 ${fixed(l.p90)}, p99 ${fixed(l.p99)}, max ${fixed(l.max)} ms`,
      },
      {
        bench: b,
        metric: 'dedup + idempotency memory',
        value: `${fixed(r.dedupBytesPerEvent, 1)} B/event`,
        note: `heap growth ${fixed(r.heapBytesPerEvent, 1)} B/event over ${int(r.events)} events; ${r.growth.map((g) => `${int(g.events)}: ${fixed(g.dedupMiB, 1)} MiB`).join(', ')}`,
      },
    ];
  },

  async aggregation() {
    const { runAggregationBench } = await import('./aggregation.js');
    const r: AggregationBenchResult = runAggregationBench();
    const b = `aggregation (${int(r.markets)} markets × tick + ${r.rollingSizes} rolling + epoch)`;
    return [
      {
        bench: b,
        metric: 'events into windows, one core',
        value: `${int(r.eventsPerCpuSec)} events/s`,
        note: `target >= 200,000 per CPU-second; wall ${int(r.eventsPerSec)}/s; floor (alignment only) ${int(r.floorEventsPerSec)}/s`,
      },
      {
        bench: b,
        metric: 'heap before → with windows open',
        value: `${fixed(r.heapBeforeMb, 1)} → ${fixed(r.heapAfterMb, 1)} MB`,
        note: `${int(r.heldWindows)} windows held (open ticks + ticks kept for rolling/epoch); ${int(r.vectors)} vectors`,
      },
    ];
  },

  async 'metrics-overhead'() {
    const { measureMetricsOverhead } = await import('./metrics-overhead.js');
    const rows: Row[] = [];
    for (const perInfluencerLabels of [false, true]) {
      const r: MetricsOverheadResult = await measureMetricsOverhead({ perInfluencerLabels });
      const b = `metrics (${int(r.influencers)} influencers, per-influencer labels ${r.perInfluencerLabels ? 'on' : 'off'})`;
      rows.push(
        {
          bench: b,
          metric: 'hot path',
          value: `${int(r.nsPerFill)} ns/fill`,
          note: `target <= 1,000 ns/fill; ${int(r.nsPerUpdate)} ns/update, 8 updates per fill`,
        },
        {
          bench: b,
          metric: 'memory',
          value: `${fixed(r.heapDeltaMiB)} MiB`,
          note: `${int(r.series)} series${r.exactHeap ? '' : ' (no --expose-gc: approximate)'}`,
        },
        {
          bench: b,
          metric: 'scrape',
          value: `${fixed(r.scrapeMsAvg)} ms`,
          note: `${fixed(r.scrapeBytes / 1024, 1)} KiB`,
        },
      );
    }
    return rows;
  },

  async 'e2e-latency'() {
    const brokers = process.env['TEST_KAFKA_BROKERS']?.split(',').filter(Boolean);
    const redisUrl = process.env['TEST_REDIS_URL'];
    if (!brokers?.length || !redisUrl) return [];
    const { fmt, runE2eLatency, schedLine } = await import('./e2e-latency.js');
    const clickhouseUrl = process.env['TEST_CLICKHOUSE_URL'] || undefined;
    const r: E2eLatencyResult = await runE2eLatency({
      brokers,
      redisUrl,
      ...(clickhouseUrl === undefined ? {} : { clickhouseUrl }),
    });
    return r.runs.flatMap((x) => {
      const b = `e2e (sim -> ingest run -> Kafka), ${x.label}`;
      const raw = clickhouseUrl === undefined ? 'raw events to the local file' : 'raw events to ClickHouse';
      const note = `${int(x.signals)} signals at ${int(x.signalsPerSec)}/s, ${raw}`;
      return [
        {
          bench: b,
          metric: 'receipt -> derived',
          value: fmt(x.receiptToDerived),
          note: `target p99 <= 2 ms; ${note}`,
        },
        { bench: b, metric: 'receipt -> Kafka ack', value: fmt(x.receiptToAck), note: 'target p99 <= 20 ms' },
        {
          bench: b,
          metric: 'listener receipt -> Kafka ack (wall)',
          value: fmt(x.receiptToAckWall),
          note: 'spans the processes in a distributed run; target there p99 <= 50 ms (#17)',
        },
        {
          bench: b,
          metric: 'sim send -> Kafka ack',
          value: fmt(x.simSendToAck),
          note: 'ingest_signal_age_seconds: the block time (stamped as the simulator starts producing the block) to the ack; includes that production',
        },
        {
          bench: b,
          metric: 'sim frames sent -> on Kafka (broker append)',
          value: fmt(x.simSentToAppend),
          note: "per signal: the simulator starts writing its block's frames -> the broker's LogAppendTime of the signal; target p99 <= 25 ms",
        },
        {
          bench: b,
          metric: 'inside it: frames sent -> derived / derived -> on Kafka',
          value: `${fmt(x.simSentToDerived)} / ${fmt(x.derivedToAppend)}`,
          note: "split at the signal's emittedAt: the frames' way in (the simulator's write loop, the service working through the block's frames), then the way out",
        },
        {
          bench: b,
          metric: "inside it: the simulator's write loop",
          value: fmt(x.simWriteLoop),
          note: "per block: the simulator's first frame -> its last frame written",
        },
        {
          bench: b,
          metric: 'inside it: sim block stamp -> frames sent',
          value: fmt(x.simStampToSent),
          note: "the simulator's own work (produce the block, write its frames) after stamping, per block",
        },
        {
          bench: b,
          metric: 'sim send -> reference consumer',
          value: fmt(x.simSendToKafka),
          note: "createSignalConsumer's onSignal in the bench process: adds its fetch, validation and share of the CPU",
        },
        ...(x.sched
          ? [
              {
                bench: b,
                metric: "the service's threads over the window",
                value: schedLine(x.sched),
                note: 'Linux schedstat: time ready to run but without a CPU is latency no code in the service removes',
              },
            ]
          : []),
      ];
    });
  },

  async eventlog() {
    const { runEventLogBench } = await import('./eventlog.js');
    const postgresUrl = process.env['TEST_POSTGRES_URL'];
    const natsUrl = process.env['TEST_NATS_URL'];
    const kafka = process.env['TEST_KAFKA_BROKERS'];
    const r: EventLogBenchRow[] = await runEventLogBench({
      ...(postgresUrl ? { postgresUrl } : {}),
      ...(natsUrl ? { natsUrl } : {}),
      ...(kafka ? { kafkaBrokers: kafka.split(',').map((b) => b.trim()) } : {}),
    });
    const rows: Row[] = r.map((x) => ({
      bench: `event log: ${x.backend}`,
      metric: 'append / publish → consume',
      value: `${int(x.eventsPerSecond)} events/s`,
      note: `p50 ${fixed(x.p50Ms)} ms, p99 ${fixed(x.p99Ms)} ms (${int(x.events)} events, ${x.latencySamples} latency samples)`,
    }));
    if (!postgresUrl || !natsUrl || !kafka)
      rows.push({
        bench: 'event log',
        metric: 'postgres / nats / kafka',
        value: 'skipped',
        note: 'set TEST_POSTGRES_URL, TEST_NATS_URL and TEST_KAFKA_BROKERS',
      });
    return rows;
  },

  async sinks() {
    const brokers = process.env['TEST_KAFKA_BROKERS']?.split(',').filter(Boolean);
    const clickhouseUrl = process.env['TEST_CLICKHOUSE_URL'];
    if (!brokers?.length && !clickhouseUrl) return [];
    const { runSinksBench } = await import('./sinks.js');
    const r: SinksBenchResult = await runSinksBench({
      ...(brokers?.length ? { brokers } : {}),
      ...(clickhouseUrl ? { clickhouseUrl } : {}),
    });
    const rows: Row[] = [];
    if (r.kafka) {
      const k = r.kafka;
      rows.push({
        bench: 'sinks: Kafka publish',
        metric: `latency at ${int(k.ratePerSec)}/s (acks -1)`,
        value: `p50 ${k.p50Ms} ms, p99 ${k.p99Ms} ms`,
        note: `target p99 <= 20 ms; max ${k.maxMs} ms, ${int(k.records)} records, mean batch ${k.meanBatch}`,
      });
    }
    if (r.clickhouse) {
      const c = r.clickhouse;
      rows.push({
        bench: 'sinks: ClickHouse insert',
        metric: 'raw events',
        value: `${int(c.rowsPerSec)} rows/s`,
        note: `${int(c.rows)} rows in ${c.seconds} s`,
      });
    }
    return rows;
  },
};

// ---- child ----------------------------------------------------------------------------------

async function runOne(name: string): Promise<void> {
  const bench = BENCHES[name];
  if (!bench) throw new Error(`unknown bench ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
  const rows = await bench();
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(rows)}\n`);
}

// ---- parent ---------------------------------------------------------------------------------

interface ChildOutcome {
  readonly rows: Row[];
  readonly seconds: number;
  readonly error?: string;
}

function runChild(name: string, env: NodeJS.ProcessEnv): Promise<ChildOutcome> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--one', name],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => (out += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - t0) / 1000;
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      // Whatever else the bench printed is shown as is.
      const other = out
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith(RESULT_MARK))
        .join('\n');
      if (other) console.log(other);
      if (code === 0 && line) resolve({ rows: JSON.parse(line.slice(RESULT_MARK.length)) as Row[], seconds });
      else resolve({ rows: [], seconds, error: `exit ${signal ?? code ?? '?'}` });
    });
  });
}

/** Endpoints for the sinks bench: from the environment, or services started here (or none). */
async function sinkServices(
  allowStart: boolean,
): Promise<{ env: NodeJS.ProcessEnv; stop: () => Promise<void>; note?: string }> {
  const none = async (): Promise<void> => undefined;
  if (process.env['TEST_KAFKA_BROKERS'] || process.env['TEST_CLICKHOUSE_URL'])
    return { env: process.env, stop: none, note: 'services from TEST_KAFKA_BROKERS / TEST_CLICKHOUSE_URL' };
  if (!allowStart) {
    return {
      env: process.env,
      stop: none,
      note: 'skipped (--no-services). Run it with: npm run services -- start && eval "$(npm run -s services -- env)" && npm run bench',
    };
  }
  try {
    const { startStack } = await import('../test/harness/stack.js');
    const { guardRun } = await import('../test/harness/cleanup.js');
    let unguard: (() => void) | undefined;
    const t0 = Date.now();
    // A broker JVM as Kafka runs in production (both JIT tiers, G1), not the tests' fast-start
    // one: C1-only code would be measured as our produce latency. TEST_KAFKA_JVM=test overrides.
    process.env['TEST_KAFKA_JVM'] ??= 'server';
    const stack = await startStack({
      prefix: 'bench-',
      env: process.env,
      onRunDir: (d) => (unguard = guardRun(d)),
    });
    const s = stack.services;
    console.log(
      `[bench] started Kafka ${s.kafka.brokers.join(',')} and ClickHouse ${s.clickhouse.url} in ${fixed((Date.now() - t0) / 1000, 1)} s`,
    );
    return {
      env: {
        ...process.env,
        TEST_KAFKA_BROKERS: s.kafka.brokers.join(','),
        TEST_CLICKHOUSE_URL: s.clickhouse.url,
        TEST_REDIS_URL: s.redis.url,
        TEST_NATS_URL: s.nats.url,
        TEST_POSTGRES_URL: s.postgres.url,
      },
      stop: async () => {
        await stack.stop();
        unguard?.();
      },
      note: 'throw-away services started by the test harness',
    };
  } catch (err) {
    return {
      env: process.env,
      stop: none,
      note: `skipped: could not start Kafka/ClickHouse (${err instanceof Error ? err.message : String(err)}). Run it with: npm run services -- start && eval "$(npm run -s services -- env)" && npm run bench`,
    };
  }
}

function printTable(rows: readonly Row[]): void {
  const head: Row = { bench: 'bench', metric: 'measured', value: 'value', note: 'notes' };
  const all = [head, ...rows];
  const w = {
    bench: Math.max(...all.map((r) => r.bench.length)),
    metric: Math.max(...all.map((r) => r.metric.length)),
    value: Math.max(...all.map((r) => r.value.length)),
  };
  const line = (r: Row): string =>
    `| ${r.bench.padEnd(w.bench)} | ${r.metric.padEnd(w.metric)} | ${r.value.padStart(w.value)} | ${r.note ?? ''}`;
  console.log(line(head));
  console.log(
    `|${'-'.repeat(w.bench + 2)}|${'-'.repeat(w.metric + 2)}|${'-'.repeat(w.value + 2)}|${'-'.repeat(20)}`,
  );
  for (const r of rows) console.log(line(r));
}

async function main(args: readonly string[]): Promise<number> {
  const oneAt = args.indexOf('--one');
  if (oneAt >= 0) {
    await runOne(args[oneAt + 1] ?? '');
    // A bench may leave a client's handles behind; the numbers are out (pipes write synchronously).
    process.exit(0);
  }
  const onlyAt = args.indexOf('--only');
  const names = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : Object.keys(BENCHES);
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
    return 2;
  }
  const rows: Row[] = [];
  const failed: string[] = [];
  const t0 = Date.now();
  console.log(
    `node ${process.version}, ${(await import('node:os')).cpus().length} CPUs; benches: ${names.join(', ')}`,
  );
  for (const name of names) {
    let env: NodeJS.ProcessEnv = process.env;
    let stop = async (): Promise<void> => undefined;
    let note: string | undefined;
    if (name === 'sinks' || name === 'e2e-latency' || name === 'eventlog') {
      ({ env, stop, note } = await sinkServices(!args.includes('--no-services')));
      if (note) console.log(`[bench] sinks: ${note}`);
    }
    console.log(`[bench] ${name} ...`);
    try {
      const out = await runChild(name, env);
      console.log(
        `[bench] ${name} done in ${fixed(out.seconds, 1)} s${out.error ? ` (FAILED: ${out.error})` : ''}`,
      );
      if (out.error) failed.push(name);
      rows.push(...out.rows);
      if ((name === 'sinks' || name === 'e2e-latency') && out.rows.length === 0 && !out.error)
        rows.push({ bench: name, metric: '-', value: 'skipped', note: note ?? '' });
    } finally {
      await stop();
    }
  }
  console.log(`\nsummary (${fixed((Date.now() - t0) / 1000, 0)} s)\n`);
  printTable(rows);
  if (failed.length > 0) console.log(`\nFAILED: ${failed.join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
