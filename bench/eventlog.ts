/**
 * Benchmark: the EventLog backends side by side (issue #15). Per backend: append throughput
 * (events/s; 200-byte payloads, 8 partitions, batches of 500, each batch awaited) and publish →
 * consume latency (closed loop: append one event, then a consumer reads from its offset until
 * the event is visible; p50/p99 over the samples). File always runs; Postgres, NATS and Kafka run
 * when TEST_POSTGRES_URL / TEST_NATS_URL / TEST_KAFKA_BROKERS name a server (`npm run bench` starts
 * them when unset). Kafka takes fewer latency samples: each read there is a consumer-group join.
 * Run alone: `npx tsx bench/eventlog.ts`; BENCH_EVENTLOG_EVENTS sets the count (default 20 000).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppendRequest, EventLog } from '../src/pipeline/eventlog/index.js';
import {
  FileEventLog,
  KafkaEventLog,
  NatsEventLog,
  PostgresEventLog,
  topicFamily,
} from '../src/pipeline/eventlog/index.js';

export interface EventLogBenchRow {
  readonly backend: string;
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly latencySamples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const PARTITIONS = 8;
const BATCH = 500;
const LATENCY_SAMPLES = 500;

const ev = (run: string, i: number): AppendRequest => ({
  partition: `BENCH-${i % PARTITIONS}`,
  eventId: createHash('sha256').update(`${run}/${i}`).digest('hex'),
  timestampMs: 1_764_806_400_000 + i,
  bytes: Buffer.alloc(200, i % 251),
});

function pct(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function measure(
  backend: string,
  log: EventLog,
  events: number,
  samples = LATENCY_SAMPLES,
): Promise<EventLogBenchRow> {
  const run = `${backend}-${Date.now()}`;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < events; i += BATCH) {
    await log.append(Array.from({ length: Math.min(BATCH, events - i) }, (_, k) => ev(run, i + k)));
  }
  await log.flush();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const lat: number[] = [];
  for (let i = 0; i < samples; i++) {
    const e = { ...ev(`${run}-lat`, i), partition: 'BENCH-LAT' };
    const s = process.hrtime.bigint();
    const [res] = await log.append([e]);
    const offset = res?.offset ?? 0;
    // The consumer polls from the event's offset until it is visible (no sleeping in between).
    while ((await log.read('BENCH-LAT', { fromOffset: offset, maxRecords: 1 })).length === 0);
    lat.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  lat.sort((a, b) => a - b);
  return {
    backend,
    events,
    eventsPerSecond: events / seconds,
    latencySamples: lat.length,
    p50Ms: pct(lat, 0.5),
    p99Ms: pct(lat, 0.99),
  };
}

export async function runEventLogBench(
  o: { events?: number; postgresUrl?: string; natsUrl?: string; kafkaBrokers?: readonly string[] } = {},
): Promise<EventLogBenchRow[]> {
  const events = o.events ?? Number(process.env['BENCH_EVENTLOG_EVENTS'] ?? 20_000);
  const rows: EventLogBenchRow[] = [];
  const tag = `bench_${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-elog-'));
  const backends: [string, () => Promise<EventLog>, number?][] = [
    [
      'file (fsync on flush)',
      () =>
        Promise.resolve(
          FileEventLog.open({ dir, segmentBytes: 64 << 20, indexIntervalRecords: 64, fsync: 'flush' }),
        ),
    ],
  ];
  if (o.postgresUrl !== undefined) {
    const url = o.postgresUrl;
    backends.push(['postgres', () => PostgresEventLog.open({ url, table: tag, poolSize: 4 })]);
  }
  if (o.natsUrl !== undefined) {
    const servers = o.natsUrl;
    backends.push([
      'nats jetstream',
      () =>
        NatsEventLog.open({
          servers,
          streamPrefix: tag.toUpperCase(),
          subjectPrefix: tag,
          duplicateWindowMs: 120_000,
          maxAgeMs: 0,
          maxBytes: 0,
        }),
    ]);
  }
  if (o.kafkaBrokers !== undefined) {
    const brokers = o.kafkaBrokers;
    backends.push([
      'kafka',
      () =>
        KafkaEventLog.open({
          brokers,
          topics: topicFamily(tag),
          replicationFactor: 1,
          clientId: tag,
          readTimeoutMs: 30_000,
        }),
      50,
    ]);
  }
  try {
    for (const [name, open, samples] of backends) {
      const log = await open();
      try {
        rows.push(await measure(name, log, events, samples));
      } finally {
        await log.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function eventLogTable(rows: readonly EventLogBenchRow[]): string {
  const int = (x: number): string => Math.round(x).toLocaleString('en-US');
  return [
    '| backend | append events/s | publish → consume p50 | p99 |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${int(r.eventsPerSecond)} | ${r.p50Ms.toFixed(2)} ms | ${r.p99Ms.toFixed(2)} ms |`,
    ),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runEventLogBench({
    ...(process.env['TEST_POSTGRES_URL'] ? { postgresUrl: process.env['TEST_POSTGRES_URL'] } : {}),
    ...(process.env['TEST_NATS_URL'] ? { natsUrl: process.env['TEST_NATS_URL'] } : {}),
    ...(process.env['TEST_KAFKA_BROKERS']
      ? { kafkaBrokers: process.env['TEST_KAFKA_BROKERS'].split(',').map((b) => b.trim()) }
      : {}),
  });
  console.log(eventLogTable(rows));
}
