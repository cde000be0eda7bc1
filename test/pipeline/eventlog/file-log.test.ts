/**
 * The file EventLog: ordered offsets per partition, segments and sparse index, replay from an
 * offset or a time, idempotent appends across reopen, torn-tail recovery.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileEventLog } from '../../../src/pipeline/eventlog/index.js';
import type { AppendRequest } from '../../../src/pipeline/eventlog/index.js';

const id = (s: string): string => createHash('sha256').update(s).digest('hex');
const rec = (partition: string, i: number, ts = 1000 + i): AppendRequest => ({
  partition,
  eventId: id(`${partition}/${i}`),
  timestampMs: ts,
  bytes: Buffer.from(`payload-${partition}-${i}`),
});
const open = (dir: string, segmentBytes = 1 << 20) =>
  FileEventLog.open({ dir, segmentBytes, indexIntervalRecords: 4, fsync: 'flush' });

describe('FileEventLog', () => {
  it('assigns consecutive offsets per partition and reads them back in order', async () => {
    const log = open(mkdtempSync(join(tmpdir(), 'elog-')));
    const res = await log.append([rec('a', 0), rec('b', 0), rec('a', 1)]);
    expect(res.map((r) => [r.partition, r.offset, r.duplicate])).toEqual([
      ['a', 0, false],
      ['b', 0, false],
      ['a', 1, false],
    ]);
    const a = await log.read('a');
    expect(a.map((r) => [r.offset, Buffer.from(r.bytes).toString(), r.eventId])).toEqual([
      [0, 'payload-a-0', id('a/0')],
      [1, 'payload-a-1', id('a/1')],
    ]);
    expect(await log.partitions()).toEqual(['a', 'b']);
    expect(await log.endOffset('a')).toBe(2);
    expect(await log.read('zzz')).toEqual([]);
    await log.close();
  });

  it('rolls segments, and reads from any offset across them through the sparse index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elog-'));
    const log = open(dir, 4096);
    for (let i = 0; i < 500; i += 50)
      await log.append(Array.from({ length: 50 }, (_, k) => rec('p#1', i + k)));
    const segs = readdirSync(join(dir, 'p%231')).filter((f) => f.endsWith('.log'));
    expect(segs.length).toBeGreaterThan(3);
    for (const from of [0, 3, 4, 99, 250, 498]) {
      const got = await log.read('p#1', { fromOffset: from, maxRecords: 7 });
      expect(got.map((r) => r.offset)).toEqual(
        Array.from({ length: Math.min(7, 500 - from) }, (_, k) => from + k),
      );
      expect(Buffer.from(got[0]?.bytes ?? []).toString()).toBe(`payload-p#1-${from}`);
    }
    await log.close();
  });

  it('replays from a time: no record before the returned offset has a timestamp at or after it', async () => {
    const log = open(mkdtempSync(join(tmpdir(), 'elog-')));
    const times = [10, 20, 15, 30, 25, 40, 35, 50, 45, 60, 55, 70];
    await log.append(times.map((t, i) => rec('t', i, t)));
    for (const t of [0, 15, 26, 41, 70, 71]) {
      const off = await log.offsetForTime('t', t);
      expect(times.slice(0, off).every((x) => x < t)).toBe(true);
      if (off < times.length) expect(times[off]).toBeGreaterThanOrEqual(t);
    }
    await log.close();
  });

  it('is idempotent by event id, also after reopening', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elog-'));
    const log = open(dir);
    await log.append([rec('a', 0), rec('a', 1)]);
    expect((await log.append([rec('a', 1), rec('a', 2)])).map((r) => r.duplicate)).toEqual([true, false]);
    await log.close();
    const again = open(dir);
    expect(again.idCount).toBe(3);
    expect((await again.append([rec('a', 0), rec('a', 3)])).map((r) => [r.duplicate, r.offset])).toEqual([
      [true, -1],
      [false, 3],
    ]);
    expect((await again.read('a')).map((r) => r.offset)).toEqual([0, 1, 2, 3]);
    await again.close();
  });

  it('truncates a torn tail on open and keeps appending after the last whole record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elog-'));
    const log = open(dir);
    await log.append([rec('a', 0), rec('a', 1)]);
    await log.close();
    appendFileSync(join(dir, 'a', `${'0'.repeat(20)}.log`), Buffer.from([0, 0, 0, 99, 1, 2, 3]));
    const again = open(dir);
    expect(await again.endOffset('a')).toBe(2);
    await again.append([rec('a', 2)]);
    expect((await again.read('a')).map((r) => r.offset)).toEqual([0, 1, 2]);
    await again.close();
    await expect(again.read('a')).rejects.toThrow('is closed');
  });
});
