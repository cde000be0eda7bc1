/**
 * The Hyperliquid range sources against the simulator over loopback: userFillsByTime history
 * backfilled chunk by chunk equals the account's fills in the range (the ingester's fill ids as
 * native ids, so the live event ids), and the same manifest fetched again gives the same bytes.
 * History is built by stepping the simulator on a jumping clock (no sleeps).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../../src/core/index.js';
import { PipelineConfig } from '../../../src/config/index.js';
import type { RangeManifest } from '../../../src/pipeline/backfill/index.js';
import { hlFillsRangeSource, rangeSplitter, runBackfill } from '../../../src/pipeline/backfill/index.js';
import { ConnectorRegistry } from '../../../src/pipeline/connectors/index.js';
import type { ConnectorManifest } from '../../../src/pipeline/connectors/index.js';
import { decodeEnvelope, decodePayload, QUALITY_FLAGS } from '../../../src/pipeline/envelope/index.js';
import { FileEventLog } from '../../../src/pipeline/eventlog/index.js';
import { postInfo } from '../../sim/helpers.js';
import { JumpClock } from '../../sim/helpers.js';
import { startSimulator, type Simulator } from '../../../src/sim/index.js';
import { truthEventId } from '../../kit/index.js';
import { rangeSourceConformance } from './range-source-conformance.js';

const FROM = Date.UTC(2026, 1, 2, 8, 0, 0);
const TO = FROM + 40 * 60_000;
let sim: Simulator;
let clock: JumpClock;
const dirs: string[] = [];

beforeAll(async () => {
  clock = new JumpClock(FROM + 10_000);
  sim = await startSimulator({ seed: 33, accounts: 2, tickMs: 0 }, { clock });
  for (let i = 0; i < 45; i++) {
    sim.step(1);
    clock.advance(60_000);
  }
});
afterAll(async () => {
  await sim.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const entry = ConnectorRegistry.load(resolve('connectors')).get('influencer-ingester');
const validation = PipelineConfig.parse({}).validation;

/** The influencer-ingester's fills range source over the simulator's accounts. */
const fillsSource = () =>
  hlFillsRangeSource({
    manifest: entry?.manifest as ConnectorManifest,
    dir: entry?.dir as string,
    infoUrl: sim.infoUrl,
    accounts: sim.accounts.map((user, i) => ({ influencerId: `inf-${i}`, user })),
    validation,
    clock: systemClock,
    logger: silentLogger,
  });

rangeSourceConformance({
  name: 'Hyperliquid fills (userFillsByTime)',
  open: () =>
    Promise.resolve({
      source: fillsSource(),
      whole: { index: 0, from: FROM, to: TO },
      position: (e) => e.eventTimeMs,
    }),
});

async function backfillOnce(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'hl-fills-'));
  dirs.push(dir);
  const log = FileEventLog.open({
    dir: join(dir, 'events'),
    segmentBytes: 1 << 24,
    indexIntervalRecords: 64,
    fsync: 'flush',
  });
  const manifest: RangeManifest = {
    connectorId: 'influencer-ingester',
    kind: 'time',
    from: FROM,
    to: TO,
    chunkSize: 7 * 60_000,
  };
  const source = fillsSource();
  const res = await runBackfill({
    manifest,
    source,
    log,
    progressFile: join(dir, 'p.json'),
    concurrency: 2,
    maxAttempts: 2,
    clock: systemClock,
  });
  expect(res.totalChunks).toBe(rangeSplitter(manifest).length);
  const out: string[] = [];
  for (const p of [...(await log.partitions())].sort())
    for (const r of await log.read(p, { maxRecords: 100_000 }))
      out.push(Buffer.from(r.bytes).toString('hex'));
  await log.close();
  return out;
}

describe('hlFillsRangeSource (userFillsByTime)', () => {
  it('backfills every fill of the followed accounts in the range, deterministically, labelled backfill', async () => {
    clock.advance(120_000);
    // What the simulator holds for the range, asked directly.
    const expectedIds = new Set<string>();
    for (const user of sim.accounts) {
      const r = await postInfo(sim.infoUrl, {
        type: 'userFillsByTime',
        user,
        startTime: FROM,
        endTime: TO - 1,
      });
      for (const f of r.body as {
        coin: string;
        side: 'B' | 'A';
        tid: number;
        oid: number;
        time: number;
        px: string;
        sz: string;
      }[])
        expectedIds.add(truthEventId(user, f));
    }
    expect(expectedIds.size).toBeGreaterThan(10);
    const first = await backfillOnce();
    const events = first.map((h) => decodeEnvelope(Buffer.from(h, 'hex')));
    for (const e of events) {
      expect(e.payloadType).toBe('INFLUENCER_FILL_V1');
      expect(e.qualityFlags & QUALITY_FLAGS.BACKFILL).toBe(QUALITY_FLAGS.BACKFILL);
      expect(e.eventTimeMs).toBeGreaterThanOrEqual(FROM);
      expect(e.eventTimeMs).toBeLessThan(TO);
      expect(decodePayload('INFLUENCER_FILL_V1', e.payload).hasAccountDetail).toBe(true);
    }
    expect(events.length).toBe(expectedIds.size);
    clock.advance(120_000);
    expect(await backfillOnce()).toEqual(first);
  });
});
