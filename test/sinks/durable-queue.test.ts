import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DurableQueue } from '../../src/sinks/durable-queue.js';
import type { DurableQueueOptions } from '../../src/sinks/durable-queue.js';
import { advanceUntil, FakeSink, FAST_POLICY, ns, range, rec, settle } from './fakes.js';
import type { Rec } from './fakes.js';
import { captureLogger } from '../core/capture-logger.js';
import { ManualClock, until as waitUntil } from '../kit/index.js';

let dir: string;
let clock: ManualClock;
let sink: FakeSink<Rec>;
const queues: DurableQueue<Rec>[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dq-'));
  clock = new ManualClock();
  sink = new FakeSink<Rec>();
});

afterEach(async () => {
  sink.up = true;
  sink.open();
  for (const q of queues.splice(0)) {
    const p = q.close(100);
    clock.advance(100);
    await p;
  }
  await rm(dir, { recursive: true, force: true });
});

async function open(extra: Partial<DurableQueueOptions<Rec>> = {}): Promise<DurableQueue<Rec>> {
  const q = await DurableQueue.open<Rec>({
    name: 'test',
    deliver: sink.deliver,
    spoolDir: dir,
    retryPolicy: FAST_POLICY,
    clock,
    maxBatchRecords: 4,
    ...extra,
  });
  queues.push(q);
  return q;
}

/** Advance the clock (firing backoff timers) until `cond` holds. */
const until = (cond: () => boolean, stepMs?: number): Promise<void> => advanceUntil(clock, cond, stepMs);

describe('DurableQueue backpressure and shedding', () => {
  it('makes enqueue wait while memory is full and releases it in FIFO order', async () => {
    const q = await open({ spoolDir: null, maxMemoryRecords: 3 });
    sink.gate();
    for (const n of [0, 1, 2]) expect(await q.enqueue(rec(n))).toBe('accepted');
    let fourth = false;
    const p4 = q.enqueue(rec(3)).then(() => (fourth = true));
    const p5 = q.enqueue(rec(4));
    await waitUntil(() => q.depth === 5, 1000, 'both waiting records counted');
    expect(fourth).toBe(false);
    let writable = false;
    const w = q.whenWritable().then(() => (writable = true));
    sink.open();
    await p4;
    await p5;
    await q.flush(1000);
    await w;
    expect(writable).toBe(true);
    expect(ns(sink.received)).toEqual([0, 1, 2, 3, 4]);
    expect(q.depth).toBe(0);
  });

  it('sheds (and counts) only when configured to', async () => {
    const q = await open({ spoolDir: null, maxMemoryRecords: 3, overflow: 'shed' });
    const shedEvents: number[] = [];
    q.events.on('shed', (e) => shedEvents.push(e.count));
    sink.gate();
    await q.enqueue(rec(0));
    await waitUntil(() => sink.calls.length === 1, 1000, 'record 0 sent');
    const outcomes = [];
    for (const n of range(1, 7)) outcomes.push(await q.enqueue(rec(n)));
    expect(outcomes).toEqual(['accepted', 'accepted', 'accepted', 'shed', 'shed', 'shed']);
    expect(q.stats().shed).toBe(3);
    expect(shedEvents).toEqual([1, 1, 1]);
    sink.open();
    await q.flush(1000);
    expect(ns(sink.received)).toEqual([0, 1, 2, 3]);
  });

  it('counts the records waiting, not the batch the sink is taking, against the memory bound', async () => {
    const q = await open({ spoolDir: null, maxMemoryRecords: 3, maxBatchRecords: 2, overflow: 'shed' });
    sink.gate();
    await q.enqueue(rec(0));
    await q.enqueue(rec(1));
    await waitUntil(() => sink.calls.length === 1, 1000, 'the first batch sent');
    expect(ns(sink.calls[0] ?? [])).toEqual([0, 1]);
    // Two records with the sink, three more waiting: all accepted; the sixth has no room.
    const outcomes = [];
    for (const n of range(2, 6)) outcomes.push(await q.enqueue(rec(n)));
    expect(outcomes).toEqual(['accepted', 'accepted', 'accepted', 'shed']);
    expect(q.depth).toBe(5);
    // A failed send is waiting again and counts: 5 in memory, over the bound, so still no room.
    sink.up = false;
    sink.open();
    await waitUntil(() => q.stats().failures > 0, 1000, 'the send failed');
    expect(await q.enqueue(rec(6))).toBe('shed');
    sink.up = true;
    await until(() => sink.received.length === 5);
    await q.flush(1000);
    expect(ns(sink.received)).toEqual([0, 1, 2, 3, 4]);
    expect(q.stats().shed).toBe(2);
  });
});

describe('DurableQueue shedding is visible', () => {
  it('says with every shed record what the spool did, and logs one summary per 10 s', async () => {
    const log = captureLogger();
    const none = await open({ spoolDir: null, maxMemoryRecords: 2, overflow: 'shed', logger: log });
    const full = await open({
      spoolDir: join(dir, 'full'),
      maxMemoryRecords: 2,
      spillThreshold: 1,
      maxSpoolBytes: 1,
      overflow: 'shed',
      logger: log,
    });
    const seen: string[] = [];
    none.events.on('shed', (e) => seen.push(`none-queue:${e.record.n}:${e.spool}`));
    full.events.on('shed', (e) => seen.push(`spool-queue:${e.record.n}:${e.spool}`));
    sink.gate();
    // Record 0 goes to the (held) sink before the others arrive; it is not counted as waiting.
    await none.enqueue(rec(0));
    await waitUntil(() => sink.calls.length === 1, 1000, 'record 0 sent');
    for (const n of range(1, 6)) await none.enqueue(rec(n));
    // Fill the spool past its bound first, then memory.
    for (const n of range(0, 2)) await full.enqueue(rec(n));
    await until(() => full.stats().spoolBytes > 0);
    for (const n of range(2, 8)) await full.enqueue(rec(n));
    expect(seen.some((s) => s.startsWith('spool-queue'))).toBe(true);
    expect(seen.filter((s) => s.startsWith('none-queue'))).toEqual([
      'none-queue:3:none',
      'none-queue:4:none',
      'none-queue:5:none',
    ]);
    expect(seen.filter((s) => s.startsWith('spool-queue')).every((s) => s.endsWith(':full'))).toBe(true);
    const warnings = log.lines.filter((l) => l.level === 'warn' && l.msg.startsWith('queue full: shed'));
    // One line per queue within the 10 s window, naming what the spool did.
    expect(warnings.map((w) => w.fields['spool'])).toEqual(['none', 'full']);
    clock.advance(10_000);
    await none.enqueue(rec(99));
    const after = log.lines.filter((l) => l.level === 'warn' && l.msg.startsWith('queue full: shed'));
    expect(after).toHaveLength(3);
    // The two shed silently within the window are in the next line's count.
    expect(after[2]?.fields).toMatchObject({ shed: 3, shedTotal: 4, spool: 'none' });
  });
});

describe('DurableQueue spill and ordered drain', () => {
  it('spills past the threshold and still delivers in order', async () => {
    const q = await open({ spillThreshold: 4, maxMemoryRecords: 100 });
    const modes: string[] = [];
    q.events.on('mode', (e) => modes.push(`${e.mode}:${e.reason}`));
    sink.gate();
    for (const n of range(0, 20)) await q.enqueue(rec(n));
    sink.open();
    await until(() => sink.received.length === 20);
    expect(ns(sink.received)).toEqual(range(0, 20));
    expect(modes[0]).toBe('spill:threshold');
    expect(q.stats().spilled).toBeGreaterThan(0);
    await until(() => modes.includes('memory:spool drained'));
    expect((await readdir(dir)).filter((f) => f.startsWith('seg-'))).toEqual([]);
  });

  it('spools during an outage and drains the spool before newer records, without duplicates', async () => {
    const q = await open({ spillThreshold: 1000, maxMemoryRecords: 2000 });
    sink.up = false;
    for (const n of range(0, 30)) await q.enqueue(rec(n));
    await until(() => q.stats().spoolRecords === 30);
    expect(q.stats().mode).toBe('spill');
    expect(q.stats().spoolBytes).toBeGreaterThan(0);
    // Newer records arrive while the sink is still down, then the sink returns mid-stream.
    for (const n of range(30, 40)) await q.enqueue(rec(n));
    clock.advance(1000);
    await settle();
    sink.up = true;
    for (const n of range(40, 50)) await q.enqueue(rec(n));
    await until(() => sink.received.length >= 50);
    await q.flush(1000);
    expect(ns(sink.received)).toEqual(range(0, 50));
    // The failed batch is re-sent first and with the same size.
    const failedFirst = sink.calls[0];
    const firstGood = sink.calls.find((c) => c[0]?.n === 0 && sink.received.length > 0 && c !== failedFirst);
    expect(firstGood?.length).toBe(failedFirst?.length);
    expect(q.stats().failures).toBeGreaterThan(0);
  });

  /** A sink whose calls the test answers one by one: each call waits until the test settles it. */
  const steppedSink = () => {
    const calls: { batch: Rec[]; ok: () => void; fail: () => void }[] = [];
    const received: number[] = [];
    const deliver = (batch: readonly Rec[]): Promise<void> =>
      new Promise<void>((resolve, reject) =>
        calls.push({
          batch: [...batch],
          ok: () => {
            received.push(...ns(batch));
            resolve();
          },
          fail: () => reject(new Error('stepped sink: down')),
        }),
      );
    /** Wait for the next call and answer it. */
    const answer = async (how: 'ok' | 'fail', expected: number[]): Promise<void> => {
      await waitUntil(() => calls.length > 0, 2000, `a sink call carrying ${expected.join(',')}`);
      const call = calls.shift();
      expect(ns(call?.batch ?? [])).toEqual(expected);
      call?.[how]();
    };
    return { deliver, received, answer, pending: () => calls.length };
  };

  it('on the way back from the spool, newer records wait in memory once less than a batch is spooled', async () => {
    const s = steppedSink();
    const q = await open({ deliver: s.deliver, spillThreshold: 4, maxMemoryRecords: 100 });
    const modes: string[] = [];
    const fromSpool: boolean[] = [];
    q.events.on('mode', (e) => modes.push(`${e.mode}:${e.reason}`));
    q.events.on('delivered', (e) => fromSpool.push(e.fromSpool));
    await q.enqueue(rec(0));
    await waitUntil(() => s.pending() === 1, 2000, 'record 0 sent');
    for (const n of range(1, 10)) await q.enqueue(rec(n));
    await s.answer('ok', [0]); // sent before the others arrived
    // Nine buffered records pass the threshold: all nine go to the spool.
    await waitUntil(
      () => q.stats().spilled === 9 && s.pending() === 1,
      2000,
      'nine spilled, one batch in flight',
    );
    // Nine spooled (more than a batch): a newer record still goes to the spool.
    await q.enqueue(rec(10));
    await waitUntil(() => q.stats().spilled === 10, 2000, 'record 10 spilled');
    await s.answer('ok', [1, 2, 3, 4]);
    await s.answer('ok', [5, 6, 7, 8]);
    await waitUntil(() => s.pending() === 1, 2000, 'the last spooled batch in flight');
    // Less than a batch spooled and the sink taking records: newer ones rest in memory.
    await q.enqueue(rec(11));
    await q.enqueue(rec(12));
    expect(q.stats()).toMatchObject({ mode: 'spill', spilled: 10, depth: 2 });
    await s.answer('ok', [9, 10]);
    await s.answer('ok', [11, 12]);
    await q.flush(1000);
    expect(s.received).toEqual(range(0, 13));
    expect(modes).toEqual(['spill:threshold', 'memory:spool drained']);
    expect(fromSpool).toEqual([false, true, true, true, false]);
    expect(q.stats().spilled).toBe(10);
  });

  it('records resting in memory on the way back go to the spool as soon as the sink fails', async () => {
    const s = steppedSink();
    const q = await open({ deliver: s.deliver, spillThreshold: 4, maxMemoryRecords: 100 });
    await q.enqueue(rec(0));
    await waitUntil(() => s.pending() === 1, 2000, 'record 0 sent');
    for (const n of range(1, 6)) await q.enqueue(rec(n));
    await s.answer('ok', [0]);
    await waitUntil(
      () => q.stats().spilled === 5 && s.pending() === 1,
      2000,
      'five spilled, one batch in flight',
    );
    await s.answer('ok', [1, 2, 3, 4]);
    await waitUntil(() => s.pending() === 1, 2000, 'the last spooled record in flight');
    await q.enqueue(rec(6));
    expect(q.stats()).toMatchObject({ mode: 'spill', spilled: 5, depth: 1 });
    await s.answer('fail', [5]);
    await waitUntil(() => q.stats().spilled === 6, 2000, 'record 6 spilled after the failure');
    expect(q.stats().depth).toBe(0);
    await until(() => s.pending() === 1); // the backoff passes on the manual clock
    await s.answer('ok', [5]); // the failed batch again, alone, as it was
    await s.answer('ok', [6]);
    await q.flush(1000);
    expect(s.received).toEqual(range(0, 7));
  });

  describe('spilling while a batch is being sent', () => {
    /** Records 0 and 1 with the sink, then 2-4 waiting: the threshold (3) is passed mid-send. */
    const midSend = async (s: ReturnType<typeof steppedSink>) => {
      const q = await open({
        deliver: s.deliver,
        spillThreshold: 3,
        maxMemoryRecords: 4,
        maxBatchRecords: 2,
        overflow: 'shed',
      });
      const modes: string[] = [];
      q.events.on('mode', (e) => modes.push(`${e.mode}:${e.reason}`));
      await q.enqueue(rec(0));
      await q.enqueue(rec(1));
      await waitUntil(() => s.pending() === 1, 2000, 'records 0 and 1 sent');
      for (const n of range(2, 5)) await q.enqueue(rec(n));
      // The batch being sent is copied first, then the three behind it are moved.
      await waitUntil(() => q.stats().spilled === 3, 2000, 'records 2-4 spilled while 0-1 are sent');
      expect(q.stats()).toMatchObject({ mode: 'spill', spoolRecords: 5, depth: 2, shed: 0 });
      // Memory has room again although the send is still going on.
      for (const n of range(5, 9)) expect(await q.enqueue(rec(n))).toBe('accepted');
      return { q, modes };
    };

    it('moves what waits behind the batch to the spool, and acknowledges the copy once the send succeeds', async () => {
      const s = steppedSink();
      const { q, modes } = await midSend(s);
      await s.answer('ok', [0, 1]);
      await s.answer('ok', [2, 3]); // from the spool: not 0 and 1 again
      await s.answer('ok', [4, 5]);
      await s.answer('ok', [6, 7]);
      await s.answer('ok', [8]);
      await q.flush(1000);
      expect(s.received).toEqual(range(0, 9));
      await waitUntil(() => q.stats().mode === 'memory', 2000, 'back to memory mode');
      expect(q.stats()).toMatchObject({ shed: 0, spoolRecords: 0 });
      expect(modes).toEqual(['spill:threshold', 'memory:spool drained']);
    });

    it('re-sends the batch from the spool, ahead of the newer records, when the send fails', async () => {
      const s = steppedSink();
      const { q } = await midSend(s);
      await s.answer('fail', [0, 1]);
      await until(() => s.pending() === 1); // the backoff passes on the manual clock
      await s.answer('ok', [0, 1]); // the same batch, now from the spool
      await s.answer('ok', [2, 3]);
      await s.answer('ok', [4, 5]);
      await s.answer('ok', [6, 7]);
      await s.answer('ok', [8]);
      await q.flush(1000);
      expect(s.received).toEqual(range(0, 9));
      expect(q.stats()).toMatchObject({ shed: 0, failures: 1 });
    });

    it('a send that succeeds while its copy is still being encoded is not sent again', async () => {
      const s = steppedSink();
      const q = await open({
        deliver: s.deliver,
        spillThreshold: 1600,
        maxMemoryRecords: 5000,
        maxBatchRecords: 1500,
      });
      // 1 500 records in one batch: its copy is encoded over two event-loop turns.
      for (const n of range(0, 1500)) void q.enqueue(rec(n));
      await waitUntil(() => s.pending() === 1, 2000, 'the batch of 1 500 sent');
      for (const n of range(1500, 3100)) await q.enqueue(rec(n)); // the threshold, mid-send
      expect(q.stats().mode).toBe('spill');
      await s.answer('ok', range(0, 1500)); // before the copy's second slice is encoded
      await s.answer('ok', range(1500, 3000));
      await s.answer('ok', range(3000, 3100));
      await q.flush(1000);
      await waitUntil(() => q.stats().mode === 'memory', 2000, 'back to memory mode');
      expect(s.pending()).toBe(0);
      expect(s.received).toEqual(range(0, 3100));
    });

    it('close() during the send persists the batch once, ahead of the rest; the next process sends all in order', async () => {
      const s = steppedSink();
      const { q } = await midSend(s);
      const closed = q.close(50);
      await settle();
      clock.advance(50); // the close timeout: the send never answers
      const report = await closed;
      queues.splice(queues.indexOf(q), 1);
      expect(report.spooled).toBe(9); // 0-1 once (their copy), 2-8
      const next = await open();
      await until(() => sink.received.length >= 9);
      await next.flush(1000);
      expect(ns(sink.received)).toEqual(range(0, 9));
    });
  });

  it('a spool step that fails on disk is retried, not fatal: delivery resumes once the disk works again', async () => {
    const q = await open({ spillThreshold: 1000, maxMemoryRecords: 2000 });
    sink.up = false;
    for (const n of range(0, 20)) await q.enqueue(rec(n));
    await until(() => q.stats().spoolRecords === 20);
    // The acknowledgement cannot be saved: cursor.json's temp file is a directory (EISDIR),
    // as a full disk refuses it with ENOSPC.
    await mkdir(join(dir, 'cursor.json.tmp'));
    const errors: unknown[] = [];
    q.events.on('spoolError', (e) => errors.push(e.error));
    sink.up = true;
    await until(() => errors.length >= 2);
    expect(q.health()).toMatchObject({ canDeliver: false });
    expect(q.health().detail).toMatch(/EISDIR/);
    await rm(join(dir, 'cursor.json.tmp'), { recursive: true });
    await until(() => q.stats().spoolRecords === 0 && q.stats().mode === 'memory');
    await q.flush(1000);
    // At-least-once: a batch whose acknowledgement failed may come again; nothing is missing.
    expect([...new Set(ns(sink.received))]).toEqual(range(0, 20));
    expect(q.health()).toMatchObject({ canDeliver: true, canSpool: true });
  });

  it('reports stalled after maxAttempts and keeps retrying instead of dropping', async () => {
    const q = await open({ spoolDir: null });
    const stalled = vi.fn();
    q.events.on('stalled', stalled);
    sink.up = false;
    await q.enqueue(rec(1));
    await until(() => stalled.mock.calls.length > 0);
    sink.up = true;
    await until(() => sink.received.length === 1);
    expect(ns(sink.received)).toEqual([1]);
  });
});

describe('DurableQueue close and crash recovery', () => {
  it('close() persists undelivered records to the spool; the next process delivers them first', async () => {
    const q = await open({ spillThreshold: 1000 });
    sink.up = false;
    for (const n of range(0, 5)) await q.enqueue(rec(n));
    await settle();
    const closing = q.close(1000);
    expect(q.close(1000)).toBe(closing);
    clock.advance(1000);
    const report = await closing;
    expect(report).toEqual({ spooled: 5, lost: 0 });
    await expect(q.enqueue(rec(9))).rejects.toThrow(/closed/);
    queues.length = 0;

    sink.up = true;
    const recovered = vi.fn();
    const q2 = await DurableQueue.open<Rec>({ name: 't2', deliver: sink.deliver, spoolDir: dir, clock });
    queues.push(q2);
    q2.events.on('recovered', recovered);
    await q2.enqueue(rec(5));
    await until(() => sink.received.length === 6);
    expect(ns(sink.received)).toEqual(range(0, 6));
  });

  it('a spool left by a process that never closed (SIGKILL) is drained by the next one', async () => {
    const q = await open({ spillThreshold: 1000 });
    sink.up = false;
    for (const n of range(0, 12)) await q.enqueue(rec(n));
    await until(() => q.stats().spoolRecords === 12);
    queues.length = 0; // "killed": never closed, never advanced again

    const sink2 = new FakeSink<Rec>();
    const q2 = await DurableQueue.open<Rec>({ name: 't2', deliver: sink2.deliver, spoolDir: dir, clock });
    queues.push(q2);
    expect(q2.stats().mode).toBe('spill');
    await q2.flush(1000);
    expect(ns(sink2.received)).toEqual(range(0, 12));
  });

  it('without a spool, close() reports what it lost', async () => {
    const q = await open({ spoolDir: null });
    sink.up = false;
    await q.enqueue(rec(1));
    await q.enqueue(rec(2));
    const p = q.close(50);
    clock.advance(50);
    expect(await p).toEqual({ spooled: 0, lost: 2 });
    queues.length = 0;
  });
});

describe('DurableQueue linger', () => {
  it('holds a short batch up to lingerMs, sends a full one at once, and does not linger when closing', async () => {
    const q = await open({ lingerMs: 1000, spillThreshold: 100 });
    await q.enqueue(rec(0));
    await q.enqueue(rec(1));
    await settle();
    clock.advance(999);
    await settle();
    expect(sink.calls).toHaveLength(0); // short batch, still lingering
    clock.advance(1);
    await until(() => sink.calls.length === 1, 1);
    expect(ns(sink.calls[0] ?? [])).toEqual([0, 1]);

    for (const n of range(2, 6)) await q.enqueue(rec(n));
    await until(() => sink.calls.length === 2, 0); // full batch (4): no waiting
    expect(ns(sink.calls[1] ?? [])).toEqual([2, 3, 4, 5]);

    await q.enqueue(rec(6));
    await settle();
    expect(sink.calls).toHaveLength(2);
    const closed = q.close(5000);
    await settle();
    expect(ns(sink.calls[2] ?? [])).toEqual([6]);
    expect(await closed).toEqual({ spooled: 0, lost: 0 });
    queues.length = 0;
  });

  it('isolates a refused record without lingering before the re-sends', async () => {
    const poisoned: Rec[] = [];
    sink.refuses = (r) => r.n === 5;
    const q = await open({
      lingerMs: 1000,
      maxBatchRecords: 8,
      spillThreshold: 100,
      onPoison: (r) => {
        poisoned.push(r);
        return Promise.resolve();
      },
    });
    for (const n of range(0, 8)) void q.enqueue(rec(n));
    await until(() => poisoned.length === 1 && sink.received.length === 7, 0);
    expect(ns(sink.received)).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(sink.calls.length).toBeGreaterThan(3); // it did bisect, all without a clock tick
  });
});
