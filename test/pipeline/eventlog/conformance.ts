/**
 * The EventLog conformance suite (issue #15): one set of behaviours every backend must show.
 * A backend test calls `eventLogConformance(name, newStore)`; `newStore()` gives a fresh, empty
 * storage location and `open()` opens a log on it (called again to simulate a restart).
 * Covers ordered consumption per partition, idempotent appends by event_id (also across a
 * reopen), and replay from an offset and from a time.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AppendRequest, EventLog } from '../../../src/pipeline/eventlog/index.js';

export interface ConformanceStore {
  open(): EventLog | Promise<EventLog>;
}

const id = (s: string): string => createHash('sha256').update(s).digest('hex');
const rec = (partition: string, i: number, ts = 1_000 + 10 * i): AppendRequest => ({
  partition,
  eventId: id(`${partition}/${i}`),
  timestampMs: ts,
  bytes: Buffer.from(`payload-${partition}-${i}`),
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
  });
}
