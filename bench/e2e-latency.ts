/**
 * Benchmark of the real path: the simulator (in this process) trading at about 2 000 signals/s,
 * the service as it runs (`ingest run`, a child process) against it as a custom Hyperliquid
 * network, publishing to real Kafka (and Redis for cursors) from the test harness. Run once at
 * the schema defaults (latency-first) and once with the old windows (fan-in 250 ms, settle
 * 1 000 ms), side by side. Reported, p50 / p99 / p99.9:
 *  - receipt -> derived and receipt -> Kafka ack: the service's `ingest_signal_stage_seconds`
 *    histogram (monotonic clock), scraped from its /metrics after the run; quantiles are
 *    interpolated inside the bucket (bounds 50 µs .. 30 s), as histogram_quantile does;
 *  - simulator send -> Kafka ack: the service's `ingest_signal_age_seconds` (block time, which
 *    the simulator stamps with its clock in the tick it sends the block's frames, to the ack);
 *  - simulator frames sent -> on Kafka, per signal: the bench's topic stamps each record with the
 *    broker's append time (message.timestamp.type=LogAppendTime), which the consumer reads, less
 *    the instant the simulator started writing that signal's block's frames (after producing the
 *    block; the "sim: block stamp -> frames sent" row is that production). Same host, one clock,
 *    ms resolution. This is "the exchange's frame to the signal on Kafka" with the simulator's own
 *    block production left out, and the append is what a consumer can read;
 *  - simulator send -> consumer: the reference consumer (`createSignalConsumer`, what a trading
 *    team would run) reads the topic here: block time to its onSignal. Its fetch, validation and
 *    its share of the CPU add to the ack.
 * A third run is distributed mode (#17): listeners A and B (egress 127.0.0.2 / 127.0.0.3) and a
 * processor as three `ingest run --role …` processes joined by the bronze topic. Its stage
 * histograms start at the processor's receipt of the bronze record; the wall-clock figure
 * `ingest_end_to_end_latency_seconds` (listener frame receipt, carried in the record, to the
 * signal's Kafka ack) spans the processes, and is reported for every run side by side.
 * Needs TEST_KAFKA_BROKERS and TEST_REDIS_URL (`npm run bench` starts services when unset). With
 * TEST_CLICKHOUSE_URL, raw events go to ClickHouse as in production (BENCH_E2E_RAW=local: to the
 * local file instead).
 * Run alone: `npx tsx bench/e2e-latency.ts`. BENCH_E2E_DEBUG=1 adds the stage rows, warnings and,
 * in a distributed run, each process's CPU per signal; BENCH_E2E_STDERR_DIR=<dir> keeps each
 * process's log there.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { startSimulator } from '../src/sim/index.js';
import { createSignalConsumer } from '../src/consumer/index.js';
import { readThreadTimes } from '../src/obs/index.js';
import { schedShare } from './sched.js';
import type { SchedShare } from './sched.js';
import { startCli } from '../test/e2e/cli-process.js';
import type { CliRun } from '../test/e2e/cli-process.js';

export interface Quantiles {
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly n: number;
}

export interface E2eLatencyRun {
  readonly label: string;
  readonly signalsPerSec: number;
  readonly signals: number;
  /** ms */
  readonly receiptToDerived: Quantiles;
  readonly receiptToAck: Quantiles;
  /**
   * Wall clock, frame receipt at the listener -> Kafka ack (`ingest_end_to_end_latency_seconds`).
   * In a distributed run the receipt time travels in the bronze record, so this is the one
   * figure that spans the processes (all on one host, one clock).
   */
  readonly receiptToAckWall: Quantiles;
  readonly simSendToKafka: Quantiles;
  /** Per signal: the simulator started writing its block's frames -> the broker appended it (LogAppendTime). */
  readonly simSentToAppend: Quantiles;
  /** Per signal: the simulator started writing its block's frames -> the reference consumer's onSignal. */
  readonly simSentToConsumer: Quantiles;
  /**
   * simSentToAppend split at the signal's `emittedAt` (when the service derived it, ms): the
   * frames on their way in and waiting for the service's event loop, then the service's way out.
   */
  readonly simSentToDerived: Quantiles;
  readonly derivedToAppend: Quantiles;
  /**
   * Simulator send -> Kafka ack, without the consumer: the service's `ingest_signal_age_seconds`
   * (the signal's block time, which the simulator stamps in the tick it sends the block's
   * frames, to the ack; one host, one clock).
   */
  readonly simSendToAck: Quantiles;
  /**
   * Inside "sim send": the simulator stamps a block's time, then produces the block and writes
   * its frames (on the bench's event loop and CPU share); per block, the stamp to the last write.
   */
  readonly simStampToSent: Quantiles;
  /**
   * The simulator's write loop, per block: its first frame -> its last frame written (the bytes
   * are then in the service's socket buffers). Part of "frames sent -> derived" that is the
   * simulator's, on the bench's CPU share.
   */
  readonly simWriteLoop: Quantiles;
  /**
   * CPU (user + system, every thread) per measured signal, ms: the service's processes (their
   * process_cpu_seconds_total) and this bench process (the simulator and the consumer). The
   * box has two cores; what one side burns the other waits for.
   */
  readonly cpuMsPerSignal: { readonly service: number; readonly bench: number };
  /**
   * Over the trading window, the service process that derives signals (Linux only): its main
   * thread's share of the time on a CPU and ready but waiting for one, and the same for its
   * other threads together. The box's contention, measured rather than guessed.
   */
  readonly sched?: SchedShare;
  /** The same for this bench process (the simulator and the consumer). */
  readonly benchSched?: SchedShare;
  /**
   * Garbage-collection pauses over the window in the process that derives signals, by kind
   * (count, total ms): its main thread (`nodejs_gc_duration_seconds`) and its signal sink thread
   * (`ingest_sink_thread_gc_duration_seconds`). A pause of either holds signals.
   */
  readonly gc: { readonly main: GcFigures; readonly sinkThread: GcFigures };
  /** Every stage of ingest_signal_stage_seconds, for where the time goes. */
  readonly stages: Readonly<Record<string, Quantiles>>;
  /** Distributed: listener receipt -> bronze ack at listener A (`ingest_bronze_publish_latency_seconds`). */
  readonly listenerToBronzeAck?: Quantiles;
  /** Distributed: listener receipt -> the processor's fetch (`ingest_bronze_transit_seconds`). */
  readonly bronzeTransit?: Quantiles;
}

export interface E2eLatencyResult {
  readonly runs: E2eLatencyRun[];
}

export interface E2eLatencyOptions {
  readonly brokers: readonly string[];
  readonly redisUrl: string;
  /**
   * Raw events into ClickHouse, as in production (a database per run, dropped after it).
   * Without it they go to the local NDJSON file of the embedded default.
   */
  readonly clickhouseUrl?: string;
  /** Trading time per run (s), measured after the warm-up. */
  readonly seconds?: number;
  /**
   * Trading time before measuring (s, default 3): start-up work (seeding every influencer, a
   * processor re-seeding on its first record, JIT) is not the steady state the targets are
   * about. Histograms are scraped at its end and subtracted from the final scrape.
   */
  readonly warmupSeconds?: number;
  readonly accounts?: number;
  /** Block interval (ms); default 13, about 2 000 signals/s (52: about 540/s, 26: about 1 050/s). */
  readonly tickMs?: number;
  readonly eventsPerBlock?: number;
  /** Run only the modes whose label contains one of these words (BENCH_E2E_ONLY=distributed,defaults). */
  readonly only?: readonly string[];
}

const MODES = [
  { label: 'latency-first (schema defaults)', windows: false, distributed: false, mainThreadSink: false },
  // The defaults but with the signal queue and its producers on the main thread, as before.
  {
    label: 'signal sink on the main thread (sinks.kafka.sendThread: false)',
    windows: false,
    distributed: false,
    mainThreadSink: true,
  },
  {
    label: 'old windows (reorder 250 ms, settle 1 000 ms)',
    windows: true,
    distributed: false,
    mainThreadSink: false,
  },
  // Issue #17: listeners A and B and the processor as three processes joined by the bronze topic.
  {
    label: 'distributed (listeners A + B, processor; defaults)',
    windows: false,
    distributed: true,
    mainThreadSink: false,
  },
] as const;

/** The roles of a distributed run, each its own `ingest run` process. */
const ROLES = [
  {
    name: 'listeners-A',
    args: ['--role', 'listeners'],
    env: { INGEST_LISTENER_GROUP: 'A' },
    address: '127.0.0.2',
  },
  {
    name: 'listeners-B',
    args: ['--role', 'listeners'],
    env: { INGEST_LISTENER_GROUP: 'B' },
    address: '127.0.0.3',
  },
  { name: 'processor', args: ['--role', 'processor'], env: {}, address: null },
] as const;

/** BENCH_E2E_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the service where it is measured. */
const nodeArgs = (process.env['BENCH_E2E_NODE_ARGS'] ?? '').split(' ').filter(Boolean);

const STAGE = 'ingest_signal_stage_seconds';

const END_TO_END = 'ingest_end_to_end_latency_seconds';

const SIGNAL_AGE = 'ingest_signal_age_seconds';

const BRONZE_PUBLISH = 'ingest_bronze_publish_latency_seconds';

const BRONZE_TRANSIT = 'ingest_bronze_transit_seconds';
const MAIN_GC = 'nodejs_gc_duration_seconds';
const SINK_THREAD_GC = 'ingest_sink_thread_gc_duration_seconds';

/** Pauses by GC kind: how many, and their total in ms. */
export type GcFigures = Readonly<Record<string, { readonly count: number; readonly ms: number }>>;

/** A GC histogram's count and sum per kind, between two scrapes. */
function gcFigures(text: string, metric: string, before: string): GcFigures {
  const read = (t: string): Map<string, { count: number; ms: number }> => {
    const out = new Map<string, { count: number; ms: number }>();
    const re = new RegExp(`^${metric}_(count|sum)\\{kind="([a-z]+)"\\} (\\S+)$`, 'gm');
    for (const m of t.matchAll(re)) {
      const e = out.get(m[2] as string) ?? { count: 0, ms: 0 };
      if (m[1] === 'count') e.count = Number(m[3]);
      else e.ms = Number(m[3]) * 1000;
      out.set(m[2] as string, e);
    }
    return out;
  };
  const base = read(before);
  const out: Record<string, { count: number; ms: number }> = {};
  for (const [kind, e] of read(text)) {
    const b = base.get(kind);
    const count = e.count - (b?.count ?? 0);
    if (count > 0) out[kind] = { count, ms: e.ms - (b?.ms ?? 0) };
  }
  return out;
}

const gcLine = (g: GcFigures): string =>
  Object.entries(g)
    .map(([kind, e]) => `${kind} ${e.count} (${e.ms.toFixed(0)} ms)`)
    .join(', ') || 'none';

/** Cumulative buckets of one histogram (of one stage, when given) from a Prometheus text exposition. */
function buckets(text: string, metric: string, stage?: string): { le: number; count: number }[] {
  const out: { le: number; count: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}_bucket{`)) continue;
    if (stage !== undefined && !line.includes(`stage="${stage}"`)) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (le !== undefined) out.push({ le: le === '+Inf' ? Infinity : Number(le), count: v });
  }
  return out.sort((a, b) => a.le - b.le);
}

/** histogram_quantile: linear inside the bucket the rank falls in; ms. */
function histogramQuantile(b: readonly { le: number; count: number }[], q: number): number {
  const total = b[b.length - 1]?.count ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const { le, count } of b) {
    if (count >= rank) {
      if (le === Infinity) return prevLe * 1000;
      const inBucket = count - prevCount;
      const frac = inBucket === 0 ? 1 : (rank - prevCount) / inBucket;
      return (prevLe + (le - prevLe) * frac) * 1000;
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe * 1000;
}

/** Quantiles of what a histogram counted between two scrapes (`before` empty: since start). */
function fromHistogram(text: string, stage?: string, metric = STAGE, before = ''): Quantiles {
  const base = new Map(buckets(before, metric, stage).map((x) => [x.le, x.count]));
  const b = buckets(text, metric, stage).map((x) => ({ le: x.le, count: x.count - (base.get(x.le) ?? 0) }));
  return {
    p50: histogramQuantile(b, 0.5),
    p99: histogramQuantile(b, 0.99),
    p999: histogramQuantile(b, 0.999),
    n: b[b.length - 1]?.count ?? 0,
  };
}

function fromSamples(xs: number[]): Quantiles {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number =>
    s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), n: s.length };
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runMode(
  o: E2eLatencyOptions,
  mode: (typeof MODES)[number],
  n: number,
): Promise<E2eLatencyRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-e2e-latency-'));
  const sim = await startSimulator({
    seed: 1000 + n,
    accounts: o.accounts ?? 10,
    // 13 ms blocks of up to 80 events for 10 accounts: about 2 000 signals/s, the rate #18 names.
    tickMs: o.tickMs ?? 13,
    eventsPerBlock: o.eventsPerBlock ?? 80,
    paused: true,
  });
  const topic = `bench_e2e_latency_${process.pid}_${Date.now()}_${n}`;
  writeFileSync(
    join(dir, 'influencers.yaml'),
    sim.accounts.map((a, i) => `- id: inf-${i}\n  address: '${a}'\n`).join(''),
  );
  const config = (address: string | null): string =>
    [
      ...(address
        ? [
            'hyperliquid:',
            '  egressPools:',
            `    - name: ip-${address.replaceAll('.', '-')}`,
            `      localAddress: ${address}`,
          ]
        : []),
      'positions:',
      '  marketClasses: [perp, hip3, spot, outcome]',
      ...(mode.windows ? ['  settleWindowMs: 1000', 'fanin:', '  reorderWindowMs: 250'] : []),
      ...(mode.mainThreadSink ? ['sinks:', '  kafka:', '    sendThread: false'] : []),
      ...(mode.distributed
        ? [
            'distributed:',
            '  kafka:',
            `    groupIdPrefix: ${topic}`,
            '    createTopics: true',
            '    replicationFactor: 1',
            '    bronze:',
            `      topic: ${topic}.raw.v1`,
            '      partitions: 6',
            '    coordination:',
            `      topic: ${topic}.coord.v1`,
            '      partitions: 8',
          ]
        : []),
      '',
    ].join('\n');
  const kafka = new Kafka({ clientId: 'bench-e2e', brokers: [...o.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: 6,
        replicationFactor: 1,
        // The broker stamps each record as it appends it: "on Kafka", per signal, on the host's clock.
        configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
      },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const lat: number[] = [];
  // Block time -> when the simulator started writing its frames (first block of a ms wins).
  const sentAtOf = new Map<number, number>();
  const toAppend: number[] = [];
  const toConsumer: number[] = [];
  const toDerived: number[] = [];
  const derivedToAppend: number[] = [];
  const consumer = createSignalConsumer({
    brokers: [...o.brokers],
    topic,
    groupId: `${topic}_g`,
    start: 'earliest',
    onSignal: (s, ctx) => {
      if (s.action === 'RECONCILE') return;
      const now = Date.now();
      lat.push(now - s.timestamp);
      const sentAt = sentAtOf.get(s.timestamp);
      if (sentAt === undefined) return;
      toAppend.push(ctx.timestamp - sentAt);
      toConsumer.push(now - sentAt);
      toDerived.push(s.emittedAt - sentAt);
      derivedToAppend.push(ctx.timestamp - s.emittedAt);
    },
  });
  // The simulator's own share of "send": a block is stamped, then produced and its frames sent;
  // its 'block' event comes once they are written.
  const simSend: number[] = [];
  const simWrite: number[] = [];
  const offBlocks = sim.on((e) => {
    if (e.type !== 'block') return;
    simSend.push(Date.now() - e.time);
    // The event comes right after the broadcast wrote the block's frames.
    simWrite.push(Date.now() - e.sendAt);
    if (!sentAtOf.has(e.time)) sentAtOf.set(e.time, e.sendAt);
  });
  const runs: CliRun[] = [];
  try {
    const env = (name: string): Record<string, string> => ({
      INGEST_SOURCE: 'hyperliquid',
      INGEST_HL_NETWORK: 'custom',
      INGEST_HL_WS_URL: sim.wsUrl,
      INGEST_HL_INFO_URL: sim.infoUrl,
      INGEST_INFLUENCERS_SOURCE: 'file',
      INGEST_INFLUENCERS_FILE: join(dir, 'influencers.yaml'),
      INGEST_REDIS_URL: o.redisUrl,
      INGEST_REDIS_KEY_PREFIX: `${topic}:`,
      INGEST_KAFKA_BROKERS: o.brokers.join(','),
      INGEST_KAFKA_TOPIC: topic,
      INGEST_KAFKA_DLQ_TOPIC: `${topic}_dlq`,
      INGEST_KAFKA_CREATE_TOPICS: 'true',
      INGEST_SPOOL_DIR: join(dir, name, 'spool'),
      INGEST_LOCAL_DIR: join(dir, name, 'out'),
      INGEST_HTTP_PORT: '0',
      INGEST_LOG_LEVEL: 'info',
      // Raw events where production puts them; a database of the run's own, dropped after it.
      ...(o.clickhouseUrl === undefined
        ? {}
        : { INGEST_CLICKHOUSE_URL: o.clickhouseUrl, INGEST_CLICKHOUSE_DATABASE: topic }),
    });
    const roles = mode.distributed ? ROLES : [{ name: 'all', args: [], env: {}, address: null }];
    for (const role of roles) {
      const file = join(dir, `${role.name}.yaml`);
      writeFileSync(file, config(role.address));
      runs.push(
        startCli(
          ['run', '--config', file, ...role.args],
          { ...env(role.name), ...role.env },
          undefined,
          nodeArgs,
        ),
      );
    }
    const started = (x: CliRun): boolean => x.stderr().includes('"msg":"ingest started"');
    await until(
      () => runs.every(started) || runs.some((x) => x.child.exitCode !== null),
      60_000,
      'ingest run started',
    );
    const dead = runs.find((x) => x.child.exitCode !== null);
    if (dead) throw new Error(`ingest run exited: ${dead.stderr().slice(-2000)}`);
    // The processor (last) holds the signal metrics; in a single process, the one process.
    const r = runs[runs.length - 1] as CliRun;
    const http = /"http":"(http:[^"]+)"/.exec(r.stderr())?.[1];
    if (!http) throw new Error('no http url in the start-up log');
    await consumer.start();
    sim.resume();
    await new Promise((res) => setTimeout(res, (o.warmupSeconds ?? 3) * 1000));
    const warm = await (await fetch(`${http}/metrics`)).text();
    // Distributed: listener A's half of the wall figure (receipt -> bronze ack), scraped alike.
    const listenerHttp = mode.distributed
      ? /"http":"(http:[^"]+)"/.exec(runs[0]?.stderr() ?? '')?.[1]
      : undefined;
    const scrapeListener = async (): Promise<string> =>
      listenerHttp ? (await fetch(`${listenerHttp}/metrics`)).text() : '';
    const listenerWarm = await scrapeListener();
    // Per process (role) as well as summed: BENCH_E2E_DEBUG prints each role's share.
    const perRole: number[] = [];
    const cpuOf = async (): Promise<number> => {
      let sum = 0;
      for (const [i, x] of runs.entries()) {
        const url = /"http":"(http:[^"]+)"/.exec(x.stderr())?.[1];
        const text = url ? await (await fetch(`${url}/metrics`)).text() : '';
        const cpu = Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1] ?? NaN);
        perRole[i] = cpu - (perRole[i] ?? 0);
        sum += cpu;
      }
      return sum;
    };
    const serviceCpuWarm = await cpuOf();
    const benchCpuWarm = process.cpuUsage();
    const warmSignals = lat.length;
    const warmAppends = toAppend.length;
    const warmBlocks = simSend.length;
    const servicePid = r.child.pid ?? -1;
    const schedWarm = readThreadTimes(servicePid);
    const benchSchedWarm = readThreadTimes(process.pid);
    const t0 = Date.now();
    if (process.env['BENCH_E2E_DEBUG'])
      console.log(`[${mode.label}] measuring from ${new Date(t0).toISOString()}`);
    await new Promise((res) => setTimeout(res, (o.seconds ?? 10) * 1000));
    sim.pause();
    const tradingSec = (Date.now() - t0) / 1000;
    const schedEnd = readThreadTimes(servicePid);
    const benchSchedEnd = readThreadTimes(process.pid);
    await until(() => lat.length > 0, 30_000, 'signals on the topic');
    // Let the tail drain: stop when nothing new arrived for 1.5 s.
    let last = -1;
    while (last !== lat.length) {
      last = lat.length;
      await new Promise((res) => setTimeout(res, 1500));
    }
    const metrics = await (await fetch(`${http}/metrics`)).text();
    const listenerMetrics = await scrapeListener();
    if (process.env['BENCH_E2E_STDERR_DIR'])
      for (const [i, x] of runs.entries())
        writeFileSync(
          join(process.env['BENCH_E2E_STDERR_DIR'], `${roles[i]?.name}.log`),
          x.stdout() + x.stderr(),
        );
    const serviceCpu = (await cpuOf()) - serviceCpuWarm;
    if (process.env['BENCH_E2E_DEBUG'] && runs.length > 1) {
      const n = lat.length - warmSignals;
      const shares = perRole.map((s, i) => `${roles[i]?.name} ${((s * 1000) / n).toFixed(3)}`);
      console.log(`[${mode.label}] CPU ms per signal by process: ${shares.join(', ')}`);
    }
    const benchCpu = process.cpuUsage(benchCpuWarm);
    if (process.env['BENCH_E2E_DEBUG']) {
      const warns = new Map<string, number>();
      for (const line of r.stderr().split('\n')) {
        const modeChange =
          /"queue":"(signals|raw-events|dead-letters)"/.test(line) &&
          /spill|spool drained|queue full/.test(line);
        if (!modeChange && !/"level":(40|50|60)/.test(line) && !/"level":"(warn|error|fatal)"/.test(line))
          continue;
        const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 120);
        if (modeChange) {
          const reason = /"reason":"([^"]+)"/.exec(line)?.[1];
          const why = reason ? ` (${reason}, depth ${/"depth":(\d+)/.exec(line)?.[1]})` : '';
          console.log(
            `[${mode.label}] ${/"queue":"([^"]+)"/.exec(line)?.[1]} queue: ${/"time":"?([^,"]*)/.exec(line)?.[1]} ${msg}${why}`,
          );
        }
        warns.set(msg, (warns.get(msg) ?? 0) + 1);
      }
      console.log(`[${mode.label}] warnings:`, Object.fromEntries(warns));
      console.log(
        metrics
          .split('\n')
          .filter((l) =>
            /^(ingest_(spool_records|sink_queue_depth|sink_publish_duration_seconds_(sum|count|bucket))|nodejs_eventloop_lag_(p50|p99|max)|nodejs_gc_duration_seconds_(sum|count)|ingest_thread_cpu_(wait_)?seconds_total|process_cpu_seconds_total|ingest_listener_lag_seconds_(bucket|count|sum))/.test(
              l,
            ),
          )
          .join('\n'),
      );
    }
    const measured = lat.slice(warmSignals);
    return {
      label: mode.label,
      signals: measured.length,
      signalsPerSec: measured.length / tradingSec,
      receiptToDerived: fromHistogram(metrics, 'receipt_to_derived', STAGE, warm),
      receiptToAck: fromHistogram(metrics, 'receipt_to_ack', STAGE, warm),
      receiptToAckWall: fromHistogram(metrics, undefined, END_TO_END, warm),
      simSendToKafka: fromSamples(measured),
      simSentToAppend: fromSamples(toAppend.slice(warmAppends)),
      simSentToConsumer: fromSamples(toConsumer.slice(warmAppends)),
      simSentToDerived: fromSamples(toDerived.slice(warmAppends)),
      derivedToAppend: fromSamples(derivedToAppend.slice(warmAppends)),
      simStampToSent: fromSamples(simSend.slice(warmBlocks)),
      simWriteLoop: fromSamples(simWrite.slice(warmBlocks)),
      cpuMsPerSignal: {
        service: (serviceCpu * 1000) / measured.length,
        bench: (benchCpu.user + benchCpu.system) / 1000 / measured.length,
      },
      ...(schedWarm && schedEnd ? { sched: schedShare(schedWarm, schedEnd, tradingSec * 1000) } : {}),
      ...(benchSchedWarm && benchSchedEnd
        ? { benchSched: schedShare(benchSchedWarm, benchSchedEnd, tradingSec * 1000) }
        : {}),
      simSendToAck: fromHistogram(metrics, undefined, SIGNAL_AGE, warm),
      gc: { main: gcFigures(metrics, MAIN_GC, warm), sinkThread: gcFigures(metrics, SINK_THREAD_GC, warm) },
      stages: Object.fromEntries(
        ['receipt_to_fanin', 'fanin_to_derived', 'derived_to_enqueue', 'enqueue_to_ack'].map((st) => [
          st,
          fromHistogram(metrics, st, STAGE, warm),
        ]),
      ),
      ...(listenerHttp
        ? {
            listenerToBronzeAck: fromHistogram(listenerMetrics, undefined, BRONZE_PUBLISH, listenerWarm),
            bronzeTransit: fromHistogram(metrics, undefined, BRONZE_TRANSIT, warm),
          }
        : {}),
    };
  } finally {
    await consumer.stop().catch(() => undefined);
    for (const x of runs) if (x.child.exitCode === null) x.child.kill('SIGTERM');
    await Promise.race([
      Promise.all(runs.map((x) => x.exited)),
      new Promise((res) => setTimeout(res, 20_000)),
    ]);
    for (const x of runs) if (x.child.exitCode === null) x.child.kill('SIGKILL');
    offBlocks();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
    // The run's topics (signals, DLQ, bronze, coordination) go with it: a broker that collects
    // hundreds of partitions from earlier runs does more work in every later one.
    // Best effort: a failure here must not hide the run's own error.
    const cleanup = kafka.admin();
    try {
      await cleanup.connect();
      const mine = (await cleanup.listTopics()).filter((t) => t.startsWith(topic));
      if (mine.length > 0) await cleanup.deleteTopics({ topics: mine });
    } catch {
      // left for the broker's owner; names start with bench_e2e_latency_
    } finally {
      await cleanup.disconnect().catch(() => undefined);
    }
    if (o.clickhouseUrl !== undefined) {
      const drop = new URL(o.clickhouseUrl);
      drop.searchParams.set('query', `DROP DATABASE IF EXISTS ${topic}`);
      await fetch(drop, { method: 'POST' }).catch(() => undefined);
    }
  }
}

export async function runE2eLatency(o: E2eLatencyOptions): Promise<E2eLatencyResult> {
  const runs: E2eLatencyRun[] = [];
  for (const [i, mode] of MODES.entries()) {
    if (o.only !== undefined && !o.only.some((w) => mode.label.includes(w))) continue;
    runs.push(await runMode(o, mode, i));
  }
  return { runs };
}

const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 0) : '-');
/** Percent of the trading window each thread group spent on a CPU, and ready but waiting for one. */
export const schedLine = (x: SchedShare): string =>
  `main thread on a CPU ${x.mainCpuPct.toFixed(0)} % / ready but waiting for one ${x.mainWaitPct.toFixed(0)} %; other threads ${x.othersCpuPct.toFixed(0)} % / ${x.othersWaitPct.toFixed(0)} % (of the window)`;
export const fmt = (q: Quantiles): string => `p50 ${f(q.p50)} / p99 ${f(q.p99)} / p99.9 ${f(q.p999)} ms`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const brokers = process.env['TEST_KAFKA_BROKERS']?.split(',').filter(Boolean) ?? [];
  const redisUrl = process.env['TEST_REDIS_URL'] ?? '';
  if (brokers.length === 0 || redisUrl === '') {
    console.error('set TEST_KAFKA_BROKERS and TEST_REDIS_URL (eval "$(npm run -s services -- env)")');
    process.exit(2);
  }
  // BENCH_E2E_TICK_MS / _EVENTS / _SECONDS scale the load (a shared, busy box cannot carry 2 000/s).
  const num = (name: string): number | undefined =>
    process.env[name] === undefined ? undefined : Number(process.env[name]);
  const tickMs = num('BENCH_E2E_TICK_MS');
  const eventsPerBlock = num('BENCH_E2E_EVENTS');
  const seconds = num('BENCH_E2E_SECONDS');
  const warmupSeconds = num('BENCH_E2E_WARMUP_SECONDS');
  const only = process.env['BENCH_E2E_ONLY']?.split(',').filter(Boolean);
  // BENCH_E2E_RAW=local keeps raw events in the local file even when ClickHouse is at hand.
  const clickhouseUrl =
    process.env['BENCH_E2E_RAW'] === 'local' ? undefined : process.env['TEST_CLICKHOUSE_URL'] || undefined;
  console.log(
    `raw events -> ${clickhouseUrl === undefined ? 'local NDJSON file' : `ClickHouse ${clickhouseUrl}`}`,
  );
  const r = await runE2eLatency({
    brokers,
    redisUrl,
    ...(clickhouseUrl === undefined ? {} : { clickhouseUrl }),
    ...(tickMs === undefined ? {} : { tickMs }),
    ...(eventsPerBlock === undefined ? {} : { eventsPerBlock }),
    ...(seconds === undefined ? {} : { seconds }),
    ...(warmupSeconds === undefined ? {} : { warmupSeconds }),
    ...(only === undefined ? {} : { only }),
  });
  for (const x of r.runs) {
    console.log(`${x.label}: ${x.signals} signals, ${x.signalsPerSec.toFixed(0)} signals/s`);
    console.log(`  receipt -> derived   ${fmt(x.receiptToDerived)} (n=${x.receiptToDerived.n})`);
    console.log(`  receipt -> Kafka ack ${fmt(x.receiptToAck)} (n=${x.receiptToAck.n})`);
    console.log(
      `  listener receipt -> Kafka ack, wall ${fmt(x.receiptToAckWall)} (n=${x.receiptToAckWall.n})`,
    );
    console.log(`  sim send -> Kafka ack ${fmt(x.simSendToAck)} (signal age, n=${x.simSendToAck.n})`);
    console.log(
      `  sim send -> consumer ${fmt(x.simSendToKafka)} (consumer receipt, n=${x.simSendToKafka.n})`,
    );
    console.log(
      `  sim frames sent -> on Kafka ${fmt(x.simSentToAppend)} (broker append time, per signal, n=${x.simSentToAppend.n})`,
    );
    console.log(
      `    of which frames sent -> derived ${fmt(x.simSentToDerived)}, derived -> on Kafka ${fmt(x.derivedToAppend)} (at the signal's emittedAt)`,
    );
    console.log(
      `  sim frames sent -> consumer ${fmt(x.simSentToConsumer)} (per signal, n=${x.simSentToConsumer.n})`,
    );
    console.log(`    sim: block stamp -> frames sent ${fmt(x.simStampToSent)} (n=${x.simStampToSent.n})`);
    console.log(`    sim: first frame -> last frame written ${fmt(x.simWriteLoop)} (per block)`);
    console.log(
      `    CPU per signal: service ${x.cpuMsPerSignal.service.toFixed(3)} ms, bench (simulator + consumer) ${x.cpuMsPerSignal.bench.toFixed(3)} ms`,
    );
    if (x.sched) console.log(`    service threads: ${schedLine(x.sched)}`);
    if (x.benchSched) console.log(`    bench threads:   ${schedLine(x.benchSched)}`);
    console.log(`    GC pauses: main thread ${gcLine(x.gc.main)}; sink thread ${gcLine(x.gc.sinkThread)}`);
    for (const [st, q] of Object.entries(x.stages)) console.log(`    ${st.padEnd(20)} ${fmt(q)}`);
    if (x.listenerToBronzeAck)
      console.log(`    listener A: receipt -> bronze ack ${fmt(x.listenerToBronzeAck)}`);
    if (x.bronzeTransit) console.log(`    listener receipt -> processor fetch ${fmt(x.bronzeTransit)}`);
  }
  process.exit(0);
}
