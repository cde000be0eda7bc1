import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/index.js';
import type { RangeManifest } from '../../../src/pipeline/backfill/index.js';
import { BACKFILL_TAG_PREFIX, readProgress, runBackfill } from '../../../src/pipeline/backfill/index.js';
import { decodeEnvelope, QUALITY_FLAGS } from '../../../src/pipeline/envelope/index.js';
import { FileEventLog, WatermarkStore } from '../../../src/pipeline/eventlog/index.js';
import { StepSource } from './source-fixture.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'backfill-'));
  dirs.push(d);
  return d;
};
const openLog = (dir: string): FileEventLog =>
  FileEventLog.open({
    dir: join(dir, 'events'),
    segmentBytes: 1 << 20,
    indexIntervalRecords: 8,
    fsync: 'flush',
  });

const T = 1_764_806_400_000;
const manifest: RangeManifest = {
  connectorId: 'test-conn',
  kind: 'time',
  from: T,
  to: T + 95_500,
  chunkSize: 10_000,
};

async function dump(log: FileEventLog): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const p of [...(await log.partitions())].sort()) {
    const recs = await log.read(p, { maxRecords: 100_000 });
    out.set(
      p,
      recs.map((r) => Buffer.from(r.bytes).toString('hex')),
    );
  }
  return out;
}

async function uninterrupted(): Promise<Map<string, string[]>> {
  const dir = tmp();
  const log = openLog(dir);
  const res = await runBackfill({
    manifest,
    source: new StepSource('test-conn', 1000),
    log,
    progressFile: join(dir, 'progress.json'),
    concurrency: 3,
    maxAttempts: 1,
    clock: systemClock,
  });
  expect(res).toMatchObject({ totalChunks: 10, resumedAt: 0, appended: 96, duplicates: 0 });
  const out = await dump(log);
  await log.close();
  return out;
}

describe('runBackfill', () => {
  it('commits every chunk in order, labels each event as backfill and records progress', async () => {
    const dir = tmp();
    const log = openLog(dir);
    const seen: number[] = [];
    await runBackfill({
      manifest,
      source: new StepSource('test-conn', 1000),
      log,
      progressFile: join(dir, 'progress.json'),
      concurrency: 4,
      maxAttempts: 1,
      clock: systemClock,
      onChunk: (c) => seen.push(c.chunk.index),
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const recs = (
      await Promise.all((await log.partitions()).map((p) => log.read(p, { maxRecords: 1000 })))
    ).flat();
    expect(recs).toHaveLength(96);
    for (const r of recs) {
      const e = decodeEnvelope(r.bytes);
      expect(e.qualityFlags & QUALITY_FLAGS.BACKFILL).toBe(QUALITY_FLAGS.BACKFILL);
      expect(e.sourceUri?.startsWith(`${BACKFILL_TAG_PREFIX}test-conn/time/`)).toBe(true);
    }
    expect(readProgress(join(dir, 'progress.json'))).toMatchObject({
      committedChunks: 10,
      totalChunks: 10,
      done: true,
    });
    await log.close();
  });

  it('aborted at a chunk boundary then resumed, gives the same log as an uninterrupted run', async () => {
    const expected = await uninterrupted();
    const dir = tmp();
    const progressFile = join(dir, 'progress.json');
    const ac = new AbortController();
    const log1 = openLog(dir);
    const first = new StepSource('test-conn', 1000);
    await expect(
      runBackfill({
        manifest,
        source: first,
        log: log1,
        progressFile,
        concurrency: 3,
        maxAttempts: 1,
        clock: systemClock,
        signal: ac.signal,
        onChunk: (c) => {
          if (c.committedChunks === 4) ac.abort();
        },
      }),
    ).rejects.toThrow(/aborted/);
    await log1.close();
    expect(readProgress(progressFile)).toMatchObject({ committedChunks: 4, done: false });

    const log2 = openLog(dir);
    const second = new StepSource('test-conn', 1000);
    const res = await runBackfill({
      manifest,
      source: second,
      log: log2,
      progressFile,
      concurrency: 3,
      maxAttempts: 1,
      clock: systemClock,
    });
    expect(res.resumedAt).toBe(4);
    // The resumed run fetched only the chunks not yet committed.
    expect([...second.fetched].sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(await dump(log2)).toEqual(expected);
    await log2.close();
  });

  it('re-running a finished manifest with its progress removed appends nothing new', async () => {
    const dir = tmp();
    const log = openLog(dir);
    const o = {
      manifest,
      source: new StepSource('test-conn', 1000),
      log,
      progressFile: join(dir, 'progress.json'),
      concurrency: 2,
      maxAttempts: 1,
      clock: systemClock,
    };
    await runBackfill(o);
    rmSync(o.progressFile);
    const again = await runBackfill(o);
    expect(again).toMatchObject({ appended: 0, duplicates: 96 });
    await log.close();
  });

  it('refuses a progress file of another manifest, and a damaged one, naming the file', async () => {
    const dir = tmp();
    const log = openLog(dir);
    const progressFile = join(dir, 'progress.json');
    const o = {
      source: new StepSource('test-conn', 1000),
      log,
      progressFile,
      concurrency: 1,
      maxAttempts: 1,
      clock: systemClock,
    };
    await runBackfill({ ...o, manifest: { ...manifest, to: T + 20_000 } });
    await expect(runBackfill({ ...o, manifest })).rejects.toThrow(/belongs to another manifest/);
    writeFileSync(progressFile, '{oops');
    await expect(runBackfill({ ...o, manifest })).rejects.toThrow(/progress.json is not valid JSON/);
    await log.close();
  });

  it('advances watermarks only when the policy allows backfill to', async () => {
    for (const advances of [false, true]) {
      const dir = tmp();
      const log = openLog(dir);
      const wm = WatermarkStore.open({
        file: join(dir, 'wm.json'),
        backfillAdvances: advances,
        now: () => T + 1e6,
      });
      await runBackfill({
        manifest,
        source: new StepSource('test-conn', 1000),
        log,
        progressFile: join(dir, 'progress.json'),
        concurrency: 2,
        maxAttempts: 1,
        clock: systemClock,
        watermarks: wm,
      });
      const newest = Math.max(...wm.all().map((w) => w.eventTimeMs));
      if (advances) expect(newest).toBe(T + 95_000);
      else expect(wm.all()).toEqual([]);
      await log.close();
    }
  });
});
