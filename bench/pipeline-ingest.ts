/**
 * Benchmark: sustained pipeline ingest on one core — the synthetic connector (deterministic,
 * unpaced) → normalize → map → envelope + event id → validation (time bounds, sanity, outliers,
 * divergence) → dedup (LRU + file store) → file event log (segments, index, idempotent by id),
 * with the pipeline metrics attached. Side by side, the floor: the same connector generating
 * and normalizing only. Reports events/s (CPU and wall), the push → log-ack latency distribution
 * (every 16th event) and dedup/idempotency memory growth per 100k events.
 * Target (issue #14): >= 100 000 normalized events/s. Run alone: `npx tsx --expose-gc bench/pipeline-ingest.ts`;
 * BENCH_PIPELINE_EVENTS sets the count (default 600 000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Registry } from 'prom-client';
import { silentLogger, systemClock } from '../src/core/index.js';
import { PipelineConfig } from '../src/config/index.js';
import { PipelineMetrics } from '../src/obs/index.js';
import { ConnectorManifest, SyntheticConnector } from '../src/pipeline/connectors/index.js';
import { Dedup, FileDedupStore } from '../src/pipeline/dedup/index.js';
import { FileEventLog, WatermarkStore } from '../src/pipeline/eventlog/index.js';
import { Pipeline } from '../src/pipeline/process/index.js';
import { Validator } from '../src/pipeline/validation/index.js';

export interface PipelineBenchResult {
  readonly events: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly eventsPerCpuSecond: number;
  readonly eventsPerWallSecond: number;
  readonly floorEventsPerSecond: number;
  readonly latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Dedup file-store + log id-set bytes per event, and heap growth per event, at the end. */
  readonly dedupBytesPerEvent: number;
  readonly heapBytesPerEvent: number;
  readonly growth: readonly { events: number; dedupMiB: number; heapMiB: number }[];
  readonly logMiB: number;
}

const T0 = 1_764_806_400_000;

function manifest(count: number): ConnectorManifest {
  return ConnectorManifest.parse({
    name: 'synthetic',
    version: '1.0.0',
    kind: 'synthetic',
    source: { id: 'synthetic' },
    mode: 'streaming',
    payloadTypes: ['TRADE_TICK_V1', 'BOOK_TOP_V1', 'ASSET_CTX_V1'],
    timeBounds: { maxSkewMs: 5000, maxStalenessMs: 60_000 },
    markets: ['BTC', 'ETH', 'SOL', 'ARB', 'DOGE', 'AVAX', 'LINK', 'OP'].map((n) => ({
      native: n,
      marketId: `syn.perp.${n}`,
      domain: 'crypto.perp',
      shards: n === 'BTC' ? 4 : 1,
    })),
    owner: 'bench',
    options: { seed: 1, count, ratePerSecond: 0, startTimeMs: T0, stepMs: 1, latencyMs: 20 },
  });
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const pct = (sorted: Float64Array, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

export async function runPipelineBench(
  events = Number(process.env['BENCH_PIPELINE_EVENTS'] ?? 600_000),
): Promise<PipelineBenchResult> {
  const m = manifest(events);
  const ctx = { manifest: m, dir: '.', clock: systemClock, logger: silentLogger };

  // Floor: generate + normalize only.
  const floor = new SyntheticConnector(ctx);
  const f0 = process.hrtime.bigint();
  let n = 0;
  for (const raw of floor.records(() => T0)) if (floor.normalize(raw).ok) n++;
  const floorSeconds = Number(process.hrtime.bigint() - f0) / 1e9;

  const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
  const cfg = PipelineConfig.parse({});
  const log = FileEventLog.open({
    dir: join(dir, 'events'),
    segmentBytes: cfg.eventLog.segmentBytes,
    indexIntervalRecords: cfg.eventLog.indexIntervalRecords,
    fsync: 'flush',
  });
  const quarantine = FileEventLog.open({
    dir: join(dir, 'quarantine'),
    segmentBytes: cfg.eventLog.segmentBytes,
    indexIntervalRecords: 64,
    fsync: 'flush',
  });
  // The bronze log as the runtime writes it (pipeline.eventLog.bronze, default on); BENCH_PIPELINE_BRONZE=0 leaves it out.
  const withBronze = cfg.eventLog.bronze && process.env['BENCH_PIPELINE_BRONZE'] !== '0';
  const bronze = withBronze
    ? FileEventLog.open({
        dir: join(dir, 'bronze'),
        segmentBytes: cfg.eventLog.segmentBytes,
        indexIntervalRecords: cfg.eventLog.indexIntervalRecords,
        fsync: 'flush',
      })
    : undefined;
  const store = new FileDedupStore(join(dir, 'dedup', 'ids'), false);
  const dedup = new Dedup(store, cfg.dedup.lruEntries);
  // Persisted per batch as the runtime does, so the bench pays what a run pays.
  const watermarks = WatermarkStore.open({
    file: join(dir, 'watermarks.json'),
    backfillAdvances: cfg.eventLog.backfillAdvancesWatermarks,
    now: () => systemClock.now(),
  });
  const pipeline = new Pipeline({
    watermarks,
    log,
    quarantine,
    ...(bronze !== undefined ? { bronze } : {}),
    dedup,
    validator: new Validator(cfg.validation),
    batchRecords: 4096,
    flushIntervalMs: cfg.flushIntervalMs,
    logger: silentLogger,
    clock: systemClock,
  });
  const metrics = new PipelineMetrics(new Registry());
  pipeline.events.on('ingested', metrics.ingested);
  pipeline.events.on('duplicate', metrics.duplicate);
  pipeline.events.on('quarantined', metrics.quarantined);
  metrics.readWatermarks(watermarks);

  const SAMPLE = 16;
  const pushedAt = new Float64Array(Math.ceil(events / SAMPLE) + 1);
  const latencies = new Float64Array(pushedAt.length);
  let pushed = 0;
  let acked = 0;
  let lat = 0;
  pipeline.events.on('ingested', () => {
    if (acked % SAMPLE === 0) latencies[lat++] = performance.now() - (pushedAt[acked / SAMPLE] ?? 0);
    acked++;
  });
  const growth: { events: number; dedupMiB: number; heapMiB: number }[] = [];
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const connector = new SyntheticConnector(ctx);
  const input = pipeline.input(connector, m);
  const sink = {
    push: (raw: Parameters<typeof input.push>[0]) => {
      if (pushed % SAMPLE === 0) pushedAt[pushed / SAMPLE] = performance.now();
      pushed++;
      if (pushed % 100_000 === 0) {
        growth.push({
          events: pushed,
          dedupMiB: (store.memoryBytes + log.idBytes) / 2 ** 20,
          heapMiB: (process.memoryUsage().heapUsed - heap0) / 2 ** 20,
        });
      }
      return input.push(raw);
    },
    error: input.error,
  };
  const cpu0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  await connector.subscribe(sink, new AbortController().signal);
  await pipeline.stop();
  const wallSeconds = Number(process.hrtime.bigint() - w0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  gc();
  const heapBytes = process.memoryUsage().heapUsed - heap0;
  const sorted = latencies.slice(0, lat).sort();
  const ingested = pipeline.totals.ingested;
  const logBytes = log.idBytes; // keep before close
  await log.close();
  await quarantine.close();
  await bronze?.close();
  await store.close();
  const { execSync } = await import('node:child_process');
  const logMiB =
    Number(
      execSync(`du -sk ${join(dir, 'events')}`)
        .toString()
        .split('\t')[0],
    ) / 1024;
  rmSync(dir, { recursive: true, force: true });
  if (ingested !== events || pipeline.totals.quarantined !== 0) {
    throw new Error(
      `expected ${events} events written, got ${ingested} (+${pipeline.totals.quarantined} quarantined)`,
    );
  }
  return {
    events: ingested,
    cpuSeconds,
    wallSeconds,
    eventsPerCpuSecond: ingested / cpuSeconds,
    eventsPerWallSecond: ingested / wallSeconds,
    floorEventsPerSecond: n / floorSeconds,
    latencyMs: {
      p50: pct(sorted, 0.5),
      p90: pct(sorted, 0.9),
      p99: pct(sorted, 0.99),
      max: sorted[sorted.length - 1] ?? 0,
    },
    dedupBytesPerEvent: (store.memoryBytes + logBytes) / ingested,
    heapBytesPerEvent: heapBytes / ingested,
    growth,
    logMiB,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runPipelineBench();
  const int = (x: number): string => Math.round(x).toLocaleString('en-US');
  const bronzeNote = process.env['BENCH_PIPELINE_BRONZE'] === '0' ? '' : ' (+ bronze raw log)';
  console.log(
    `pipeline ingest: ${int(r.events)} synthetic events → validation → dedup → file log${bronzeNote}`,
  );
  console.log(
    `  ${int(r.eventsPerCpuSecond)} events/s per CPU second, ${int(r.eventsPerWallSecond)} events/s wall (target >= 100,000)`,
  );
  console.log(`  floor (generate + normalize only): ${int(r.floorEventsPerSecond)} events/s`);
  console.log(
    `  push → log ack latency ms: p50 ${r.latencyMs.p50.toFixed(2)} p90 ${r.latencyMs.p90.toFixed(2)} p99 ${r.latencyMs.p99.toFixed(2)} max ${r.latencyMs.max.toFixed(2)}`,
  );
  console.log(
    `  dedup + idempotency ids: ${r.dedupBytesPerEvent.toFixed(1)} B/event; heap growth ${r.heapBytesPerEvent.toFixed(1)} B/event; log ${r.logMiB.toFixed(1)} MiB`,
  );
  for (const g of r.growth)
    console.log(
      `    at ${int(g.events)}: dedup ${g.dedupMiB.toFixed(1)} MiB, heap +${g.heapMiB.toFixed(1)} MiB`,
    );
}
