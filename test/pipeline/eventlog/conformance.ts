/**
 * The EventLog conformance suite (issue #15): one set of behaviours every backend must show.
 * A backend test calls `eventLogConformance(name, newStore)`; `newStore()` gives a fresh, empty
 * storage location and `open()` opens a log on it (called again to simulate a restart).
 * Covers ordered consumption per partition, idempotent appends by event_id (also across a
 * reopen), replay from an offset and from a time, retention by time and by size, and
 * per-partition watermarks fed by consuming the log (persisted, driving the lag figure).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WatermarkStore } from '../../../src/pipeline/eventlog/index.js';
import type { AppendRequest, EventLog, LogRecord } from '../../../src/pipeline/eventlog/index.js';

export interface ConformanceStore {
  open(): EventLog | Promise<EventLog>;
  /** Payload bytes a segment-granular backend may keep beyond a retention policy (0 = exact). */
  readonly retentionSlackBytes?: number;
}

async function readAll(log: EventLog, partition: string, fromOffset = 0): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (let from = fromOffset; ;) {
    const batch = await log.read(partition, { fromOffset: from, maxRecords: 64 });
    if (batch.length === 0) return out;
    out.push(...batch);
    from = (batch[batch.length - 1] as LogRecord).offset + 1;
  }
}

const id = (s: string): string => createHash('sha256').update(s).digest('hex');
const rec = (partition: string, i: number, ts = 1_000 + 10 * i): AppendRequest => ({
  partition,
  eventId: id(`${partition}/${i}`),
  timestampMs: ts,
  bytes: Buffer.from(`payload-${partition}-${i}`),
});

/** 50 records of 200-byte payloads, 10 ms apart in event time: several file segments. */
const big = (partition: string, i: number): AppendRequest => ({
  ...rec(partition, i),
  bytes: Buffer.alloc(200, i % 251),
});

export function eventLogConformance(
  name: string,
  newStore: () => ConformanceStore | Promise<ConformanceStore>,
): void {
  describe(`EventLog conformance: ${name}`, () => {
    it('consumes each partition in append order with consecutive offsets', async () => {
      const log = await (await newStore()).open();
      try {
        const batch: AppendRequest[] = [];
        for (let i = 0; i < 20; i++) batch.push(rec(i % 2 === 0 ? 'p0' : 'p1', i));
        await log.append(batch);
        await log.flush();
        for (const p of ['p0', 'p1']) {
          const got = await log.read(p, { fromOffset: 0, maxRecords: 100 });
          expect(got.map((r) => r.offset)).toEqual([...Array(10).keys()]);
          expect(got.map((r) => Buffer.from(r.bytes).toString())).toEqual(
            batch.filter((b) => b.partition === p).map((b) => Buffer.from(b.bytes).toString()),
          );
          expect(await log.endOffset(p)).toBe(10);
        }
        expect([...(await log.partitions())].sort()).toEqual(['p0', 'p1']);
      } finally {
        await log.close();
      }
    });

    it('writes the same events again without duplicates, also after a restart', async () => {
      const store = await newStore();
      const events = [0, 1, 2, 3].map((i) => rec('p', i));
      const first = await store.open();
      const res1 = await first.append(events);
      expect(res1.map((r) => r.duplicate)).toEqual([false, false, false, false]);
      const res2 = await first.append(events);
      expect(res2.map((r) => r.duplicate)).toEqual([true, true, true, true]);
      await first.close();

      const again = await store.open();
      try {
        const res3 = await again.append([...events, rec('p', 4)]);
        expect(res3.map((r) => r.duplicate)).toEqual([true, true, true, true, false]);
        const all = await again.read('p', { maxRecords: 100 });
        expect(all.map((r) => r.eventId)).toEqual([0, 1, 2, 3, 4].map((i) => rec('p', i).eventId));
      } finally {
        await again.close();
      }
    });

    it('replays from an offset and from a time', async () => {
      const log = await (await newStore()).open();
      try {
        await log.append([...Array(30).keys()].map((i) => rec('p', i)));
        await log.flush();
        const fromOffset = await log.read('p', { fromOffset: 25, maxRecords: 100 });
        expect(fromOffset.map((r) => r.offset)).toEqual([25, 26, 27, 28, 29]);

        const t = rec('p', 17).timestampMs;
        const start = await log.offsetForTime('p', t);
        const replay = (await log.read('p', { fromOffset: start, maxRecords: 100 })).filter(
          (r) => r.timestampMs >= t,
        );
        expect(replay.map((r) => r.offset)).toEqual([
          17,
          18,
          19,
          ...[...Array(10).keys()].map((k) => 20 + k),
        ]);
        expect(start).toBeLessThanOrEqual(17);
      } finally {
        await log.close();
      }
    });

    it('retention by time deletes a prefix older than the cut and keeps every newer record', async () => {
      const store = await newStore();
      const slack = store.retentionSlackBytes ?? 0;
      const log = await store.open();
      try {
        await log.append([...Array(50).keys()].flatMap((i) => [big('p', i), big('q', i)]));
        await log.flush();
        const now = big('p', 49).timestampMs;
        // Keep 200 ms: the first record kept is the one at t = now - 200 (offset 29).
        await log.applyRetention({ maxAgeMs: 200 }, now);
        for (const p of ['p', 'q']) {
          const start = await log.startOffset(p);
          expect(start).toBeGreaterThan(0);
          expect(start).toBeLessThanOrEqual(29);
          if (slack === 0) expect(start).toBe(29);
          const left = await readAll(log, p);
          expect(left.map((r) => r.offset)).toEqual([...Array(50 - start).keys()].map((k) => start + k));
          expect(await log.endOffset(p)).toBe(50);
        }
      } finally {
        await log.close();
      }
      const again = await store.open();
      try {
        // The cut survives a reopen, and appending continues after the last offset.
        const start = await again.startOffset('p');
        expect(start).toBeGreaterThan(0);
        const res = await again.append([big('p', 50)]);
        expect(res[0]?.offset).toBe(50);
        expect((await readAll(again, 'p'))[0]?.offset).toBe(start);
      } finally {
        await again.close();
      }
    });

    it('retention by size keeps the newest records within the byte budget', async () => {
      const store = await newStore();
      const slack = store.retentionSlackBytes ?? 0;
      const log = await store.open();
      try {
        await log.append([...Array(50).keys()].map((i) => big('p', i)));
        await log.flush();
        await log.applyRetention({ maxBytes: 10 * 200 }, 0);
        const left = await readAll(log, 'p');
        expect(left.length).toBeGreaterThanOrEqual(10);
        expect(left.length).toBeLessThan(50);
        if (slack === 0) expect(left.length).toBe(10);
        const bytes = left.reduce((n, r) => n + r.bytes.length, 0);
        expect(bytes).toBeLessThanOrEqual(10 * 200 + slack);
        expect(left[left.length - 1]?.offset).toBe(49);
        expect(left.map((r) => r.offset)).toEqual(left.map((_, k) => 50 - left.length + k));
      } finally {
        await log.close();
      }
    });

    it('feeds per-partition watermarks from consumption: persisted, and the lag follows the clock', async () => {
      const log = await (await newStore()).open();
      const file = join(mkdtempSync(join(tmpdir(), 'elog-wm-')), 'watermarks.json');
      let now = 5_000;
      const open = (): WatermarkStore =>
        WatermarkStore.open({ file, backfillAdvances: false, now: () => now });
      try {
        await log.append([...Array(12).keys()].map((i) => rec(i % 3 === 0 ? 'a' : 'b', i)));
        await log.flush();
        const wm = open();
        for (const p of await log.partitions()) {
          for (const r of await readAll(log, p)) {
            wm.observe({
              partition: r.partition,
              eventId: r.eventId,
              eventTimeMs: r.timestampMs,
              backfill: false,
            });
          }
        }
        wm.persist();
        expect(wm.get('a')).toEqual({
          partition: 'a',
          eventTimeMs: rec('a', 9).timestampMs,
          ingestTimeMs: 5_000,
          lastEventId: rec('a', 9).eventId,
        });
        expect(wm.get('b')?.lastEventId).toBe(rec('b', 11).eventId);
        now = 6_000;
        const reopened = open();
        expect(reopened.all()).toEqual(wm.all());
        expect(reopened.lagMs('b')).toBe(6_000 - rec('b', 11).timestampMs);
      } finally {
        await log.close();
      }
    });
  });
}
