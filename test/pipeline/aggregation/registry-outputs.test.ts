/** The aggregation registry (defaults + per-market overrides) and the local file output. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PipelineConfig } from '../../../src/config/index.js';
import {
  AGGREGATION_TOPICS,
  FileAggregationOutput,
  goldenVectors,
  route,
  settingsResolver,
} from '../../../src/pipeline/aggregation/index.js';
import { FileEventLog } from '../../../src/pipeline/eventlog/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agg-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aggregation registry', () => {
  const cfg = (markets: object) => PipelineConfig.parse({ aggregation: { markets } }).aggregation;

  it('overlays a market entry on the schema defaults', () => {
    const a = cfg({ 'hl.perp.BTC': { publishCadenceMs: 5_000, allowedLatenessMs: 500 } });
    const resolve = settingsResolver(a);
    expect(resolve('hl.perp.BTC')).toMatchObject({ publishCadenceMs: 5_000, allowedLatenessMs: 500 });
    expect(resolve('hl.perp.BTC').epochWindowMs).toBe(a.defaults.epochWindowMs);
    expect(resolve('hl.perp.ETH')).toEqual(a.defaults);
  });

  it('refuses an inconsistent entry at start-up, naming the market', () => {
    expect(() => settingsResolver(cfg({ 'hl.perp.SOL': { publishCadenceMs: 7_000 } }))).toThrow(
      /pipeline\.aggregation\.markets\.hl\.perp\.SOL: .*multiple of publish_cadence_ms/,
    );
    expect(() => settingsResolver(cfg({ 'hl.perp.SOL': { rollingWindowsMs: [60_000] } }))).toThrow(
      /markets\.hl\.perp\.SOL: rolling window 60000 ms/,
    );
  });
});

describe('outputs', () => {
  const vectors = goldenVectors();

  it('routes tick vectors to bars, rolling to rolling metrics, every vector to vectors', () => {
    const topics = vectors.flatMap((v) => route(v).map((r) => `${v.kind}:${r.topic}`));
    expect(new Set(topics)).toEqual(
      new Set([
        `tick:${AGGREGATION_TOPICS.bars}`,
        `tick:${AGGREGATION_TOPICS.vectors}`,
        `rolling:${AGGREGATION_TOPICS.rolling}`,
        `rolling:${AGGREGATION_TOPICS.vectors}`,
        `epoch:${AGGREGATION_TOPICS.vectors}`,
      ]),
    );
  });

  it('the local file log takes each (topic, window, revision) once: a replay writes nothing new', async () => {
    const log = FileEventLog.open({ dir, segmentBytes: 1 << 20, indexIntervalRecords: 16, fsync: 'flush' });
    const out = new FileAggregationOutput(log);
    await out.write(vectors);
    const parts = await log.partitions();
    const count = async () =>
      (await Promise.all(parts.map((p) => log.endOffset(p)))).reduce((a, b) => a + b, 0);
    const n = await count();
    expect(n).toBe(vectors.flatMap((v) => route(v)).length);
    await out.write(vectors);
    expect(await count()).toBe(n);
    await out.close();
  });
});
