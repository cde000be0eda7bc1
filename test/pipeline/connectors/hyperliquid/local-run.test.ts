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
    sources = await pipelineSources(config, silentLogger, systemClock);
    expect(sources.describe).toMatch(/embedded simulator ws:\/\/127\.0\.0\.1:/);
    rt = await startPipelineRuntime({
      config: config.pipeline,
      logger: silentLogger,
      clock: systemClock,
      factories: sources.factories,
    });
    expect(rt.started).toEqual(['hyperliquid-market']);
    const seen = new Set<string>();
    const quarantined: string[] = [];
    rt.pipeline.events.on('quarantined', (q) => quarantined.push(`${q.reason}: ${q.detail}`));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${[...seen].join(', ')} in 15 s`)), 15_000);
      rt?.pipeline.events.on('ingested', (e) => {
        if (e.connectorId === 'hyperliquid-market') seen.add(`${e.payloadType}@${e.partition}`);
        const types = new Set([...seen].map((s) => s.split('@')[0]));
        if (types.has('TRADE_TICK_V1') && types.has('BOOK_TOP_V1') && types.has('ASSET_CTX_V1')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect([...seen].some((s) => s.endsWith('@hl.perp.BTC'))).toBe(true);
    expect(quarantined).toEqual([]);
    expect(rt.status().find((s) => s.name === 'hyperliquid-market')).toMatchObject({ version: '1.0.0' });
  });
});
