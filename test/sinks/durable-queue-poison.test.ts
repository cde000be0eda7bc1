// DurableQueue isolating records a sink refuses for good: bisection, order, exactly-once hand-off,
// on the memory and the spool path, and unchanged behaviour for transient failures or without onPoison.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SinkError } from '../../src/core/index.js';
import { DurableQueue } from '../../src/sinks/durable-queue.js';
import type { DurableQueueOptions } from '../../src/sinks/durable-queue.js';
import { advanceUntil, FakeSink, FAST_POLICY, ns, range, rec, settle } from './fakes.js';
import type { Rec } from './fakes.js';
import { ManualClock } from '../kit/index.js';

let dir: string;
let clock: ManualClock;
let sink: FakeSink<Rec>;
let handed: { record: Rec; error: unknown }[];
const queues: DurableQueue<Rec>[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dq-poison-'));
  clock = new ManualClock();
  sink = new FakeSink<Rec>();
  handed = [];
});

afterEach(async () => {
  sink.up = true;
  sink.refuses = () => false;
  sink.open();
  for (const q of queues.splice(0)) {
    const p = q.close(100);
    clock.advance(100);
    await p;
  }
  await rm(dir, { recursive: true, force: true });
});

const onPoison = (record: Rec, error: unknown): Promise<void> => {
  handed.push({ record, error });
  return Promise.resolve();
};

async function open(extra: Partial<DurableQueueOptions<Rec>> = {}): Promise<DurableQueue<Rec>> {
  const q = await DurableQueue.open<Rec>({
    name: 'test',
    deliver: sink.deliver,
    spoolDir: dir,
    retryPolicy: FAST_POLICY,
    clock,
    maxBatchRecords: 8,
    onPoison,
    ...extra,
  });
  queues.push(q);
  return q;
}

/** Enqueue without yielding, so the first batch the pump takes holds them all (up to the batch size). */
function enqueueAll(q: DurableQueue<Rec>, ns: readonly number[]): void {
  for (const n of ns) void q.enqueue(rec(n));
}

/** Advance the clock (firing backoff timers) until `cond` holds. */
const until = (cond: () => boolean, stepMs?: number): Promise<void> => advanceUntil(clock, cond, stepMs);
const without = (xs: readonly number[], ...drop: number[]): number[] => xs.filter((x) => !drop.includes(x));

describe('DurableQueue poison isolation (memory path)', () => {
  it('bisects, hands the refused record over once and delivers the rest once, in order', async () => {
    const q = await open({ spoolDir: null });
    const events: { record: Rec; error: unknown }[] = [];
    q.events.on('poisoned', (e) => events.push(e));
    sink.refuses = (r) => r.n === 7;
    enqueueAll(q, range(0, 20));
    await q.flush(1000);

    expect(ns(sink.received)).toEqual(without(range(0, 20), 7));
    expect(handed.map((h) => h.record)).toEqual([rec(7)]);
    expect(handed[0]?.error).toMatchObject({ code: 'SINK_RECORD_REJECTED', retriable: false });
    expect(events).toEqual(handed);
    // First half completely before the second, down to the refused record, then the next batches.
    expect(sink.calls.map(ns)).toEqual([
      range(0, 8),
      range(0, 4),
      range(4, 8),
      [4, 5],
      [6, 7],
      [6],
      [7],
      range(8, 16),
      range(16, 20),
    ]);
    expect(q.stats()).toMatchObject({ delivered: 19, poisoned: 1, failures: 0, depth: 0 });
  });

  it('isolates several refused records of one batch, at its edges too', async () => {
    const q = await open({ spoolDir: null });
    sink.refuses = (r) => r.n === 0 || r.n === 5 || r.n === 7;
    enqueueAll(q, range(0, 8));
    await q.flush(1000);
    expect(ns(sink.received)).toEqual([1, 2, 3, 4, 6]);
    expect(handed.map((h) => h.record.n)).toEqual([0, 5, 7]);
    expect(q.stats().poisoned).toBe(3);
  });

  it('still retries a transient failure with backoff, and never calls onPoison for it', async () => {
    const q = await open({ spoolDir: null });
    sink.failNext = 2;
    enqueueAll(q, range(0, 6));
    await until(() => sink.received.length === 6);
    expect(ns(sink.received)).toEqual(range(0, 6));
    expect(handed).toEqual([]);
    expect(q.stats()).toMatchObject({ failures: 2, poisoned: 0 });
    // The failed batch is re-sent whole, with the same size.
    expect(sink.calls.map(ns)).toEqual([range(0, 6), range(0, 6), range(0, 6)]);
  });

  it('without onPoison stalls on the refused batch as before, and resumes in order once it is taken', async () => {
    const q = await open({ spoolDir: null, onPoison: undefined });
    const stalled: number[] = [];
    q.events.on('stalled', (e) => stalled.push(e.attempts));
    sink.refuses = (r) => r.n === 3;
    enqueueAll(q, range(0, 6));
    await until(() => stalled.length > 0);
    expect(sink.received).toEqual([]);
    expect(new Set(sink.calls.map((c) => ns(c).join(',')))).toEqual(new Set([range(0, 6).join(',')]));
    expect(q.stats().poisoned).toBe(0);
    sink.refuses = () => false;
    await until(() => sink.received.length === 6);
    expect(ns(sink.received)).toEqual(range(0, 6));
  });

  it('retries a hand-off that fails, holding back everything behind the record meanwhile', async () => {
    let calls = 0;
    const q = await open({
      spoolDir: null,
      onPoison: async (record, error) => {
        calls++;
        if (calls === 1) throw new SinkError('SINK_UNAVAILABLE', 'dlq down', { retriable: true });
        await onPoison(record, error);
      },
    });
    sink.refuses = (r) => r.n === 2;
    enqueueAll(q, range(0, 8));
    for (let i = 0; i < 50 && calls === 0; i++) await settle();
    expect(calls).toBe(1);
    expect(ns(sink.received)).toEqual([0, 1]);
    await until(() => sink.received.length === 7);
    expect(calls).toBe(2);
    expect(handed.map((h) => h.record.n)).toEqual([2]);
    expect(ns(sink.received)).toEqual(without(range(0, 8), 2));
    expect(q.stats().poisoned).toBe(1);
  });
});

describe('DurableQueue poison breaker', () => {
  it('a sink refusing everything is a sink problem: after the limit it stalls and holds the rest', async () => {
    const q = await open({ spoolDir: null, maxPoisonPerMinute: 3 });
    const stalled: number[] = [];
    q.events.on('stalled', (e) => stalled.push(e.attempts));
    sink.refuses = () => true;
    enqueueAll(q, range(0, 8));
    await until(() => stalled.length > 0, 10);
    // Three handed over within the minute, then backoff instead of emptying the queue.
    expect(handed.map((h) => h.record.n)).toEqual([0, 1, 2]);
    expect(sink.received).toEqual([]);
    expect(q.stats()).toMatchObject({ poisoned: 3, depth: 5 });
    expect(q.stats().failures).toBeGreaterThanOrEqual(FAST_POLICY.maxAttempts);
    // Once the sink is fixed the held records go through, in order; nothing else is dead-lettered.
    sink.refuses = () => false;
    await until(() => sink.received.length === 5);
    expect(ns(sink.received)).toEqual(range(3, 8));
    expect(handed).toHaveLength(3);
  });

  it('lets genuine poison through again at the limit rate once the window has moved on', async () => {
    const q = await open({ spoolDir: null, maxPoisonPerMinute: 2 });
    const start = clock.now();
    sink.refuses = (r) => r.n % 2 === 0;
    enqueueAll(q, range(0, 8));
    await until(() => sink.received.length === 4 && handed.length === 4, 5_000);
    expect(handed.map((h) => h.record.n)).toEqual([0, 2, 4, 6]);
    expect(ns(sink.received)).toEqual([1, 3, 5, 7]);
    // The third hand-off had to wait for the first to leave the one-minute window.
    expect(clock.now() - start).toBeGreaterThanOrEqual(60_000);
  });
});

describe('DurableQueue poison isolation (spool path)', () => {
  it('isolates a refused record read from the spool and drains the rest in order', async () => {
    const q = await open({ spillThreshold: 4, maxMemoryRecords: 100 });
    const fromSpool: number[] = [];
    q.events.on('delivered', (e) => {
      if (e.fromSpool) fromSpool.push(...ns(e.records));
    });
    const modes: string[] = [];
    q.events.on('mode', (e) => modes.push(`${e.mode}:${e.reason}`));
    sink.refuses = (r) => r.n === 13;
    sink.gate();
    for (const n of range(0, 30)) await q.enqueue(rec(n));
    sink.open();
    await until(() => sink.received.length === 29 && handed.length === 1);
    await q.flush(1000);
    expect(ns(sink.received)).toEqual(without(range(0, 30), 13));
    expect(handed.map((h) => h.record)).toEqual([rec(13)]);
    expect(modes[0]).toBe('spill:threshold');
    expect(fromSpool).toContain(12);
    expect(fromSpool).toContain(14);
    await until(() => modes.includes('memory:spool drained'));
    expect((await readdir(dir)).filter((f) => f.startsWith('seg-'))).toEqual([]);
    expect(q.stats()).toMatchObject({ poisoned: 1, spoolRecords: 0 });
  });

  it('commits each finished prefix: after a failure half-way, a restart delivers only the rest', async () => {
    const q = await open({ spillThreshold: 1000 });
    sink.up = false;
    enqueueAll(q, range(0, 12));
    await until(() => q.stats().spoolRecords === 12);
    // The sink comes back refusing 5, and goes down again right after 5 was handed over.
    sink.refuses = (r) => r.n === 5;
    q.events.on('poisoned', () => (sink.up = false));
    sink.up = true;
    await until(() => handed.length === 1 && sink.calls.length > 8);
    expect(ns(sink.received)).toEqual([0, 1, 2, 3, 4]);
    expect(q.stats().spoolRecords).toBe(6);
    const closing = q.close(100);
    clock.advance(100);
    expect(await closing).toEqual({ spooled: 6, lost: 0 });
    queues.length = 0;

    const sink2 = new FakeSink<Rec>();
    const q2 = await DurableQueue.open<Rec>({
      name: 't2',
      deliver: sink2.deliver,
      spoolDir: dir,
      clock,
      onPoison,
    });
    queues.push(q2);
    await q2.flush(1000);
    expect(ns(sink2.received)).toEqual(range(6, 12));
    expect(handed.map((h) => h.record.n)).toEqual([5]);
  });
});
