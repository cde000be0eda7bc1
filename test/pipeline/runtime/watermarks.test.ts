/**
 * The runtime's watermarks: the pipeline observes every written event into the WatermarkStore
 * (dataDir/watermarks.json, the file `ingest backfill` shares) and the watermark gauges read that
 * same state at scrape time. Per events-log partition, the persisted watermark equals the newest
 * event time in the log, the scraped event-time gauge equals the persisted value, and the lag
 * gauge is clock − watermark (growing while nothing arrives). A restart scrapes the persisted
 * watermarks before any new event.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import { PipelineConfig } from '../../../src/config/index.js';
import { PIPELINE_METRIC_NAMES } from '../../../src/obs/index.js';
import { FileEventLog } from '../../../src/pipeline/eventlog/index.js';
import { startPipelineRuntime } from '../../../src/pipeline/runtime/index.js';
import { ManualClock } from '../../kit/clock.js';
import { T0, syntheticConnectors } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'runtime-wm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const connectorsDir = syntheticConnectors(join(root, 'connectors'), {
  syn: { seed: 3, count: 400, ratePerSecond: 0, startTimeMs: T0 },
});

async function gauge(registry: Registry, name: string): Promise<Map<string, number>> {
  const m = await registry.getSingleMetric(name)?.get();
  return new Map((m?.values ?? []).map((v) => [String(v.labels['partition']), v.value]));
}

describe('runtime watermarks: one persisted state, read by the lag metric', () => {
  it('scrapes exactly the persisted per-partition watermarks, with lag = clock − watermark', async () => {
    const dataDir = join(root, 'data');
    const config = PipelineConfig.parse({
      connectorsDir,
      dataDir,
      dedup: { store: 'memory' },
      aggregation: { enabled: false },
    });
    // The synthetic events are stamped from T0 on; the run's clock is an hour later.
    const clock = new ManualClock(T0 + 3_600_000);
    const registry = new Registry();
    const rt = await startPipelineRuntime({ config, logger: silentLogger, clock, registry });
    await rt.finished();
    await rt.pipeline.flush();
    expect(rt.pipeline.totals.ingested).toBeGreaterThan(300);

    // The persisted file: one watermark per events-log partition, at the newest event time written.
    const file = JSON.parse(readFileSync(join(dataDir, 'watermarks.json'), 'utf8')) as {
      watermarks: { partition: string; eventTimeMs: number; ingestTimeMs: number; lastEventId: string }[];
    };
    const newest = new Map<string, number>();
    for (const p of await rt.eventLog.partitions()) {
      const recs = await rt.eventLog.read(p, { maxRecords: 100_000 });
      newest.set(p, Math.max(...recs.map((r) => r.timestampMs)));
    }
    expect(newest.size).toBeGreaterThan(3); // several markets and BTC's shards
    expect(new Map(file.watermarks.map((w) => [w.partition, w.eventTimeMs]))).toEqual(newest);
    for (const w of file.watermarks) expect(w.ingestTimeMs).toBe(T0 + 3_600_000);

    // The gauges read that state: same partitions, same values; lag is clock − watermark.
    const N = PIPELINE_METRIC_NAMES;
    expect(await gauge(registry, N.watermark)).toEqual(newest);
    const lagAt = (now: number) => new Map([...newest].map(([p, t]) => [p, now - t]));
    expect(await gauge(registry, N.watermarkLag)).toEqual(lagAt(clock.now()));
    clock.advance(10_000); // nothing arrives: the lag grows, the watermark stays
    expect(await gauge(registry, N.watermarkLag)).toEqual(lagAt(T0 + 3_610_000));
    expect(await gauge(registry, N.watermark)).toEqual(newest);
    await rt.stop();

    // A restart scrapes the persisted watermarks before any event (no connector selected to run).
    const again = new Registry();
    const rt2 = await startPipelineRuntime({
      config: PipelineConfig.parse({ ...config, connectors: ['nothing-by-this-name'] }),
      logger: silentLogger,
      clock,
      registry: again,
    });
    expect(rt2.started).toEqual([]);
    expect(await gauge(again, N.watermark)).toEqual(newest);
    expect(await gauge(again, N.watermarkLag)).toEqual(lagAt(clock.now()));
    await rt2.stop();
    const log = FileEventLog.open({
      dir: join(dataDir, 'events'),
      segmentBytes: 1 << 20,
      indexIntervalRecords: 64,
      fsync: 'flush',
    });
    expect([...(await log.partitions())].sort()).toEqual([...newest.keys()].sort());
    await log.close();
  });
});
