/**
 * `ingest pipeline run` on the embedded default runs the Hyperliquid market-data connector
 * against an embedded simulator: the sources the CLI composes (pipelineSources) plus the
 * pipeline runtime, with only the hyperliquid-market connector selected, ingest trades, bbo
 * and asset contexts into the local event log and quarantine nothing of it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pipelineSources, type PipelineSources } from '../../../../src/cli/commands/pipeline-sources.js';
import { parseServiceConfig } from '../../../../src/config/index.js';
import { silentLogger, systemClock } from '../../../../src/core/index.js';
import type { PipelineRuntime } from '../../../../src/pipeline/runtime/index.js';
import { startPipelineRuntime } from '../../../../src/pipeline/runtime/index.js';

const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });

/** Resolves once `pred` holds for the set of `payloadType@partition` ingested per connector. */
function ingestedUntil(
  rt: PipelineRuntime,
  pred: (seen: Map<string, Set<string>>) => boolean,
  ms = 20_000,
): Promise<Map<string, Set<string>>> {
  const seen = new Map<string, Set<string>>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`timed out; ingested ${JSON.stringify([...seen].map(([k, v]) => [k, [...v]]))}`)),
      ms,
    );
    rt.pipeline.events.on('ingested', (e) => {
      let s = seen.get(e.connectorId);
      if (!s) seen.set(e.connectorId, (s = new Set()));
      s.add(`${e.payloadType}@${e.partition}`);
      if (pred(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}

const types = (s: Set<string> | undefined): Set<string> =>
  new Set([...(s ?? [])].map((x) => x.split('@')[0] ?? ''));

describe('pipeline run: the Hyperliquid connector on the local default', () => {
  let dir = '';
  let rt: PipelineRuntime | undefined;
  let sources: PipelineSources | undefined;
  afterEach(async () => {
    await rt?.stop();
    await sources?.close();
    rt = sources = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is registered, runs against the embedded simulator and fills the event log', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pipeline-hl-run-'));
    const config = parseServiceConfig({
      source: { kind: 'simulator', simulator: { seed: 3, accounts: 2, tickMs: 30, port: 0 } },
      pipeline: { dataDir: dir, connectors: ['hyperliquid-market'] },
    });
    sources = await pipelineSources(config, logger, systemClock);
    expect(sources.describe).toMatch(/embedded simulator ws:\/\/127\.0\.0\.1:/);
    rt = await startPipelineRuntime({
      config: config.pipeline,
      logger: silentLogger,
      clock: systemClock,
      factories: sources.factories,
    });
    expect(rt.started).toEqual(['hyperliquid-market']);
    const quarantined: string[] = [];
    rt.pipeline.events.on('quarantined', (q) => quarantined.push(`${q.reason}: ${q.detail}`));
    const seen = await ingestedUntil(rt, (m) => {
      const t = types(m.get('hyperliquid-market'));
      return t.has('TRADE_TICK_V1') && t.has('BOOK_TOP_V1') && t.has('ASSET_CTX_V1');
    });
    expect([...(seen.get('hyperliquid-market') ?? [])].some((s) => s.endsWith('@hl.perp.BTC'))).toBe(true);
    expect(quarantined).toEqual([]);
    expect(rt.status().find((s) => s.name === 'hyperliquid-market')).toMatchObject({ version: '1.0.0' });
  });

  it('--with-ingester: the ingester runs in-process and its fills and signals share the event stream with market data', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pipeline-hl-run-'));
    const config = parseServiceConfig({
      source: { kind: 'simulator', simulator: { seed: 4, accounts: 3, tickMs: 30, port: 0 } },
      influencers: { source: 'simulator' },
      fanin: { reorderWindowMs: 60 },
      positions: { settleWindowMs: 120, marketClasses: ['perp', 'hip3', 'spot', 'outcome'] },
      sinks: { local: { dir: join(dir, 'ingest') }, spool: { dir: join(dir, 'spool') } },
      pipeline: { dataDir: join(dir, 'pipeline'), connectors: ['hyperliquid-market', 'influencer-ingester'] },
    });
    sources = await pipelineSources(config, logger, systemClock, { withIngester: true });
    expect(sources.describe).toMatch(/influencer ingester in-process/);
    rt = await startPipelineRuntime({
      config: config.pipeline,
      logger,
      clock: systemClock,
      factories: sources.factories,
    });
    expect([...rt.started].sort()).toEqual(['hyperliquid-market', 'influencer-ingester']);
    const quarantined: string[] = [];
    rt.pipeline.events.on('quarantined', (q) =>
      quarantined.push(`${q.connectorId} ${q.reason}: ${q.detail}`),
    );
    await ingestedUntil(rt, (m) => {
      const inf = types(m.get('influencer-ingester'));
      return (
        inf.has('INFLUENCER_FILL_V1') &&
        inf.has('INFLUENCER_SIGNAL_V1') &&
        types(m.get('hyperliquid-market')).has('TRADE_TICK_V1')
      );
    });
    expect(quarantined.filter((q) => q.startsWith('influencer-ingester'))).toEqual([]);
  });
});
