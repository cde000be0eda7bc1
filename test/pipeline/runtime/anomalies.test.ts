/**
 * The anomalies log (254Carbon `data.quality.anomalies.v1`): the runtime copies every written
 * event flagged OUTLIER_DETECTED or SOURCE_DIVERGENCE to it, with the silver record's id, bytes
 * and partition, and nothing else; a second run over the same input adds no copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../../src/core/index.js';
import { PipelineConfig } from '../../../src/config/index.js';
import { decodeEnvelope } from '../../../src/pipeline/envelope/index.js';
import type { EventLog } from '../../../src/pipeline/eventlog/index.js';
import { ANOMALY_FLAGS } from '../../../src/pipeline/process/index.js';
import { startPipelineRuntime } from '../../../src/pipeline/runtime/index.js';
import { T0, syntheticConnectors } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'runtime-anom-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const connectorsDir = syntheticConnectors(join(root, 'connectors'), {
  syn: { seed: 5, count: 1500, ratePerSecond: 0, startTimeMs: T0, anomalyEvery: 53 },
});

async function records(log: EventLog): Promise<Map<string, { partition: string; hex: string }>> {
  const out = new Map<string, { partition: string; hex: string }>();
  for (const p of await log.partitions())
    for (const r of await log.read(p, { maxRecords: 100_000 }))
      out.set(r.eventId, { partition: p, hex: Buffer.from(r.bytes).toString('hex') });
  return out;
}

describe('runtime anomalies log', () => {
  it('holds exactly the anomaly-flagged silver events, byte for byte, once', async () => {
    const config = PipelineConfig.parse({
      connectorsDir,
      dataDir: join(root, 'data'),
      dedup: { store: 'file' },
      aggregation: { enabled: false },
    });
    const run = async () => {
      const rt = await startPipelineRuntime({ config, logger: silentLogger, clock: systemClock });
      await rt.finished();
      await rt.pipeline.flush();
      return rt;
    };
    const rt = await run();
    expect(rt.anomaliesLog).toBeDefined();
    const silver = await records(rt.eventLog);
    const flagged = new Map(
      [...silver].filter(
        ([, r]) => (decodeEnvelope(Buffer.from(r.hex, 'hex')).qualityFlags & ANOMALY_FLAGS) !== 0,
      ),
    );
    expect(silver.size).toBeGreaterThan(1000);
    expect(flagged.size).toBeGreaterThan(5);
    expect(flagged.size).toBeLessThan(silver.size);
    expect(await records(rt.anomaliesLog as EventLog)).toEqual(flagged);
    await rt.stop();

    const again = await run(); // same input: dedup drops it all, so no copy is written twice
    expect(again.pipeline.totals.duplicates).toBe(silver.size);
    expect(await records(again.anomaliesLog as EventLog)).toEqual(flagged);
    await again.stop();
  });
});
