// What only the threaded adapter has: a sink thread that dies by itself. (The shared RecordQueue
// cases are in record-queue-conformance.test.ts; poison across the threads against a real broker
// in kafka-poison.int.test.ts.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { ThreadedQueue } from '../../src/sinks/threaded/index.js';
import { OUTBOX_MAX_WAIT_MS } from '../../src/sinks/threaded/threaded-queue.js';
import { record } from './record-queue-conformance.js';
import { until } from '../kit/index.js';

describe('ThreadedQueue: its thread dying', () => {
  it('is reported once, leaves the queue unable to deliver, refuses new records and says what was lost', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'threaded-exit-')), 'signals.ndjson');
    const exits: Error[] = [];
    let exited: () => void = () => undefined;
    const reported = new Promise<void>((resolve) => (exited = resolve));
    const q = await ThreadedQueue.open({
      sink: { kind: 'local', path },
      queue: { name: 'signals' },
      onThreadExit: (err) => {
        exits.push(err);
        exited();
      },
    });
    let delivered = 0;
    q.events.on('delivered', (e) => (delivered += e.records.length));
    await q.enqueue(record(1));
    await q.flush(5000);
    expect(delivered).toBe(1);
    expect(q.health().canDeliver).toBe(true);

    // As if the thread crashed: ended from outside, without close().
    await (q as unknown as { worker: Worker }).worker.terminate();
    await reported;
    expect(exits).toHaveLength(1);
    expect(exits[0]?.message).toMatch(/sink thread exited with code/);
    expect(q.health()).toMatchObject({ canDeliver: false, canSpool: false });
    expect(q.health().detail).toMatch(/sink thread ended/);
    await expect(q.enqueue(record(2))).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE' });
    await expect(q.flush(1000)).rejects.toThrow(/sink thread exited/);
    expect(await q.ping()).toBe(false);
    expect(await q.close(1000)).toEqual({ spooled: 0, lost: 0 });
  });

  it('throws from the exit by default, so the process ends and its supervisor restarts it', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'threaded-exit-')), 'signals.ndjson');
    const q = await ThreadedQueue.open({ sink: { kind: 'local', path }, queue: { name: 'signals' } });
    const worker = (q as unknown as { worker: Worker }).worker;
    // The default handler throws inside the worker's 'exit' listener: catch it there.
    const thrown = new Promise<unknown>((resolve) => {
      const listeners = worker.listeners('exit') as ((code: number) => void)[];
      worker.removeAllListeners('exit');
      worker.on('exit', (code) => {
        try {
          for (const l of listeners) l(code);
          resolve(null);
        } catch (err) {
          resolve(err);
        }
      });
    });
    await worker.terminate();
    expect(await thrown).toMatchObject({
      code: 'SINK_UNAVAILABLE',
      message: expect.stringMatching(/exited/),
    });
  });
});

describe('ThreadedQueue: records crossing to the thread', () => {
  it('sends a turn’s records together, but a long turn posts what waited OUTBOX_MAX_WAIT_MS', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'threaded-outbox-')), 'signals.ndjson');
    const q = await ThreadedQueue.open({ sink: { kind: 'local', path }, queue: { name: 'signals' } });
    const worker = (q as unknown as { worker: Worker }).worker;
    const posted: number[] = [];
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (m: { t: string; flat?: unknown[] }) => {
      if (m.t === 'records') posted.push(m.flat?.length ?? 0);
      post(m);
    };
    let delivered = 0;
    q.events.on('delivered', (e) => (delivered += e.records.length));
    // The queue's clock, held still: a loaded machine can take a millisecond between two lines.
    let clock = performance.now();
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    // A short turn: nothing crosses until it ends, then all of it at once.
    void q.enqueue(record(1));
    void q.enqueue(record(2));
    expect(posted).toEqual([]);
    await Promise.resolve();
    expect(posted).toHaveLength(1);
    // A turn busy for longer (a burst of frames read at once): the record enqueued at its start
    // crosses, with what joined it, as soon as a record comes OUTBOX_MAX_WAIT_MS later, within
    // the turn; not before.
    void q.enqueue(record(3));
    clock += OUTBOX_MAX_WAIT_MS * 0.75; // the rest of the burst
    void q.enqueue(record(4));
    expect(posted).toHaveLength(1);
    clock += OUTBOX_MAX_WAIT_MS * 0.25;
    void q.enqueue(record(5));
    expect(posted).toHaveLength(2);
    void q.enqueue(record(6));
    expect(posted).toHaveLength(2);
    await Promise.resolve();
    expect(posted).toHaveLength(3);
    now.mockRestore();
    await q.flush(5000);
    expect(delivered).toBe(6);
    await q.close(5000);
  });
});

describe("ThreadedQueue: the thread's GC pauses", () => {
  it('reach onGcPause on this thread (prom-client sees only this isolate)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'threaded-gc-')), 'signals.ndjson');
    const pauses: { kind: string; seconds: number }[] = [];
    const q = await ThreadedQueue.open({
      sink: { kind: 'local', path },
      queue: { name: 'signals' },
      onGcPause: (kind, seconds) => pauses.push({ kind, seconds }),
    });
    try {
      const big = 'x'.repeat(4096);
      let n = 0;
      // Records of 4 KB until the thread has collected garbage at least once (its young
      // generation is 12 MB) and said so (about once a second).
      await until(
        async () => {
          for (let i = 0; i < 500; i++) await q.enqueue({ ...record(n++), value: big + n });
          return pauses.length > 0;
        },
        20_000,
        () => `a GC pause of the sink thread after ${n} records`,
        100,
      );
      expect(pauses.length).toBeGreaterThan(0);
      expect(pauses.every((p) => ['minor', 'major', 'incremental', 'weakcb'].includes(p.kind))).toBe(true);
      expect(pauses.every((p) => p.seconds >= 0 && p.seconds < 10)).toBe(true);
    } finally {
      await q.close(5000);
    }
  });
});
