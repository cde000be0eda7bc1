/**
 * Reprocessing rebuilds silver from bronze: two synthetic connectors (with anomalies, so the
 * shared validation state matters) run through the real runtime into file logs; a window of
 * received time is rebuilt into a fresh log and equals, byte for byte, the original silver
 * events of that window; rebuilt into the live silver log it adds nothing (same ids, no
 * duplicates).
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { silentLogger, systemClock } from '../../../src/core/index.js';
import { PipelineConfig } from '../../../src/config/index.js';
import { ConnectorRegistry } from '../../../src/pipeline/connectors/index.js';
import { decodeEnvelope, QUALITY_FLAGS } from '../../../src/pipeline/envelope/index.js';
import { FileEventLog } from '../../../src/pipeline/eventlog/index.js';
import {
  pipelineConnectorFactories,
  reprocessLocal,
  startPipelineRuntime,
} from '../../../src/pipeline/runtime/index.js';
import { startCli } from '../../e2e/cli-process.js';
import { T0, syntheticConnectors } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'reprocess-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const synthetic = (seed: number) => ({
  seed,
  count: 1500,
  ratePerSecond: 0,
  startTimeMs: T0,
  anomalyEvery: 97,
});
const connectorsDir = syntheticConnectors(join(root, 'connectors'), {
  'syn-a': synthetic(7),
  'syn-b': synthetic(9),
});
const config = (dataDir: string) =>
  PipelineConfig.parse({ connectorsDir, dataDir, batchRecords: 128, dedup: { store: 'memory' } });
const openLog = (dir: string): FileEventLog =>
  FileEventLog.open({ dir, segmentBytes: 1 << 26, indexIntervalRecords: 64, fsync: 'flush' });

async function byId(log: FileEventLog): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const p of await log.partitions())
    for (const r of await log.read(p, { maxRecords: 1_000_000 })) {
      expect(out.has(r.eventId)).toBe(false);
      out.set(r.eventId, Buffer.from(r.bytes).toString('hex'));
    }
  return out;
}

describe('reprocess (bronze → silver)', { timeout: 90_000 }, () => {
  it('rebuilds a window byte-identically, and into the live log adds nothing', async () => {
    const dataDir = join(root, 'data');
    const rt = await startPipelineRuntime({
      config: config(dataDir),
      logger: silentLogger,
      clock: systemClock,
    });
    await rt.finished();
    await rt.stop();

    const silver = openLog(join(dataDir, 'events'));
    const original = await byId(silver);
    expect(original.size).toBeGreaterThan(2000);
    const times = [...original.values()]
      .map((h) => decodeEnvelope(Buffer.from(h, 'hex')).ingestTimeMs)
      .sort((a, b) => a - b);
    const from = times[Math.floor(times.length * 0.4)] as number;
    const to = times[Math.floor(times.length * 0.7)] as number;
    const inWindow = new Map(
      [...original].filter(([, h]) => {
        const t = decodeEnvelope(Buffer.from(h, 'hex')).ingestTimeMs;
        return t >= from && t < to;
      }),
    );
    expect(inWindow.size).toBeGreaterThan(500);
    // The window holds flagged events: the validation state replayed from bronze is what made them.
    expect(
      [...inWindow.values()].some(
        (h) => (decodeEnvelope(Buffer.from(h, 'hex')).qualityFlags & QUALITY_FLAGS.OUTLIER_DETECTED) !== 0,
      ),
    ).toBe(true);

    const registry = ConnectorRegistry.load(connectorsDir);
    const common = {
      config: config(dataDir),
      registry,
      factories: pipelineConnectorFactories(),
      clock: systemClock,
      logger: silentLogger,
      window: { from, to, stage: 'silver' as const },
    };
    const fresh = openLog(join(root, 'rebuilt'));
    const res = await reprocessLocal({ ...common, output: fresh });
    expect(res.unknownConnectors).toEqual({});
    expect(res.appended).toBe(inWindow.size);
    expect(await byId(fresh)).toEqual(inWindow);
    await fresh.close();

    const before = original.size;
    const again = await reprocessLocal({ ...common, output: silver });
    expect(again.events).toBeGreaterThanOrEqual(inWindow.size);
    expect(again.appended).toBe(0);
    expect(again.duplicates).toBe(again.events);
    expect((await byId(silver)).size).toBe(before);
    await silver.close();
  });

  it('ingest reprocess rebuilds a deleted silver log byte-identically from bronze; exit 3 and 4 on bad input', async () => {
    const src = join(root, 'data');
    const dataDir = join(root, 'data-cli');
    cpSync(src, dataDir, { recursive: true });
    const silverDir = join(dataDir, 'events');
    const original = await byId(openLog(silverDir));
    rmSync(silverDir, { recursive: true });
    const cfg = join(root, 'cli.yaml');
    writeFileSync(cfg, toYaml({ pipeline: { connectorsDir, dataDir } }));
    const env = { INGEST_LOG_LEVEL: 'warn' };
    const run = startCli(['reprocess', '-c', cfg, '--from', '0', '--to', String(T0 + 86_400_000)], env);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(JSON.parse(run.stdout().trim())).toMatchObject({ appended: original.size, duplicates: 0 });
    const rebuilt = openLog(silverDir);
    expect(await byId(rebuilt)).toEqual(original);
    await rebuilt.close();

    const bad = startCli(['reprocess', '-c', cfg, '--from', '10', '--to', '5'], env);
    expect(await bad.exited).toBe(3);
    expect(bad.stderr()).toContain('--to (5) must be after --from (10)');
    const none = startCli(
      ['reprocess', '-c', cfg, '--from', '0', '--to', '5', '--data-dir', join(root, 'empty')],
      env,
    );
    expect(await none.exited).toBe(4);
    expect(none.stderr()).toContain('no bronze log at');
  });
});
