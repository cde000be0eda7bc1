/**
 * RecordQueue conformance: what the pipeline relies on from its signal queue, run against each
 * adapter (DurableQueue on this thread, ThreadedQueue on a worker thread), both in front of the
 * local NDJSON signal log so the cases need no server.
 */
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Logger } from '../../src/core/index.js';
import { captureLogger } from '../core/capture-logger.js';
import type { OverflowPolicy, RecordQueue, SinkRecord } from '../../src/sinks/index.js';

export interface QueueUnderTest {
  /** The signal log's path; a directory makes every write fail (EISDIR). */
  readonly path: string;
  readonly spoolDir?: string;
  readonly maxMemoryRecords?: number;
  readonly overflow?: OverflowPolicy;
  readonly logger?: Logger;
}

export type OpenQueue = (o: QueueUnderTest) => Promise<RecordQueue<SinkRecord>>;

export const record = (n: number): SinkRecord => ({
  id: `sig-${n}`,
  key: `inf-${n % 3}|BTC`,
  value: JSON.stringify({ n }),
  headers: { 'schema-version': '1' },
  createdAt: 1_700_000_000_000 + n,
});

const ids = (rs: readonly SinkRecord[]): string[] => rs.map((r) => r.id);
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

async function linesOf(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id);
}

/** Resolves once `cond` holds, checked on each of the queue's events (no sleeps). */
function when(q: RecordQueue<SinkRecord>, cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    const check = (): void => {
      if (!cond()) return;
      for (const off of offs) off();
      resolve();
    };
    for (const e of ['delivered', 'mode', 'spilled', 'shed', 'deliveryFailed'] as const)
      offs.push(q.events.on(e, check));
    check();
  });
}

export function recordQueueConformance(open: OpenQueue): void {
  const opened: RecordQueue<SinkRecord>[] = [];
  const start = async (o: QueueUnderTest): Promise<RecordQueue<SinkRecord>> => {
    const q = await open(o);
    opened.push(q);
    return q;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((q) => q.close(1000)));
  });
  const dir = (): string => mkdtempSync(join(tmpdir(), 'record-queue-'));

  it('delivers every record once, in enqueue order, and says when the sink took them', async () => {
    const path = join(dir(), 'signals.ndjson');
    const q = await start({ path });
    const delivered: SinkRecord[] = [];
    const ats: number[] = [];
    q.events.on('delivered', (e) => {
      delivered.push(...e.records);
      ats.push(e.at);
      expect(e.fromSpool).toBe(false);
    });
    const before = Date.now();
    for (const n of range(0, 250)) expect(await q.enqueue(record(n))).toBe('accepted');
    await q.flush(10_000);
    expect(ids(delivered)).toEqual(range(0, 250).map((n) => `sig-${n}`));
    expect(await linesOf(path)).toEqual(ids(delivered));
    expect(ats.length).toBeGreaterThan(0);
    for (const at of ats) expect(at).toBeGreaterThanOrEqual(before);
    expect(q.stats()).toMatchObject({ delivered: 250, depth: 0, shed: 0, mode: 'memory' });
    expect(q.health()).toMatchObject({ canDeliver: true, mode: 'memory' });
  });

  it('flush resolves only once what was enqueued before it is delivered', async () => {
    const q = await start({ path: join(dir(), 'signals.ndjson') });
    let delivered = 0;
    q.events.on('delivered', (e) => (delivered += e.records.length));
    for (const n of range(0, 40)) void q.enqueue(record(n));
    await q.flush(10_000);
    expect(delivered).toBe(40);
  });

  it('waits for room past its memory bound (overflow block), and flush covers the records that waited', async () => {
    const path = join(dir(), 'signals.ndjson');
    const q = await start({ path, maxMemoryRecords: 5 });
    let delivered = 0;
    q.events.on('delivered', (e) => (delivered += e.records.length));
    const outcomes = range(0, 40).map((n) => q.enqueue(record(n)));
    // Some had to wait: more were enqueued than memory holds.
    expect(q.depth).toBeGreaterThan(5);
    await q.flush(10_000);
    expect(delivered).toBe(40);
    expect(await Promise.all(outcomes)).toEqual(range(0, 40).map(() => 'accepted'));
    expect(await linesOf(path)).toEqual(range(0, 40).map((n) => `sig-${n}`));
    expect(q.depth).toBe(0);
  });

  it('spills to the spool while the sink fails, keeps it at close, and the next queue delivers it first', async () => {
    const spoolDir = join(dir(), 'spool');
    const broken = dir(); // a directory: the log cannot be written
    const logger = captureLogger();
    const a = await start({ path: broken, spoolDir, logger });
    const modes: string[] = [];
    a.events.on('mode', (e) => modes.push(e.mode));
    for (const n of range(0, 30)) await a.enqueue(record(n));
    await when(a, () => modes.includes('spill'));
    expect(a.health()).toMatchObject({ mode: 'spill', canDeliver: false });
    const report = await a.close(500);
    expect(report).toEqual({ spooled: 30, lost: 0 });
    // What the queue logged reached this thread's logger.
    expect(
      logger.lines.some(
        (l) => (l.level === 'warn' || l.level === 'error') && /spill|spool|fail/i.test(l.msg),
      ),
    ).toBe(true);
    await expect(a.enqueue(record(99))).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE' });

    const path = join(dir(), 'signals.ndjson');
    const b = await start({ path, spoolDir });
    const recovered: SinkRecord[] = [];
    b.events.on('delivered', (e) => {
      if (e.fromSpool) recovered.push(...e.records);
    });
    await b.enqueue(record(30));
    await b.flush(10_000);
    // The spool drains first; a record enqueued meanwhile may follow through it.
    expect(ids(recovered).slice(0, 30)).toEqual(range(0, 30).map((n) => `sig-${n}`));
    expect(await linesOf(path)).toEqual(range(0, 31).map((n) => `sig-${n}`));
  });

  it('sheds past its memory bound with overflow shed, and tells each shed record by event', async () => {
    const q = await start({ path: dir(), maxMemoryRecords: 5, overflow: 'shed' });
    const shed: string[] = [];
    q.events.on('shed', (e) => shed.push(e.record.id));
    const outcomes: string[] = [];
    for (const n of range(0, 20)) outcomes.push(await q.enqueue(record(n)));
    // The bound is 5 records waiting. A batch the sink is taking (it fails here) does not count
    // while it is being sent, and it was taken from at most 5 waiting: 10 to 15 are shed.
    await when(q, () => shed.length >= 10 && shed.length + q.depth === 20 && q.stats().shed === shed.length);
    expect(outcomes.filter((o) => o === 'accepted').length).toBeGreaterThanOrEqual(5);
    // Every `shed` outcome has its event (a threaded queue may also shed what it accepted).
    const shedOutcomes = outcomes.flatMap((o, i) => (o === 'shed' ? [`sig-${i}`] : []));
    expect(shed).toEqual(expect.arrayContaining(shedOutcomes));
    expect(shed.length).toBeLessThanOrEqual(15);
    expect(q.depth).toBeGreaterThanOrEqual(5);
  });

  it('is closed for good: close is idempotent and enqueue rejects naming the queue', async () => {
    const q = await start({ path: join(dir(), 'signals.ndjson') });
    await q.enqueue(record(1));
    const [r1, r2] = await Promise.all([q.close(1000), q.close(1000)]);
    expect(r1).toEqual({ spooled: 0, lost: 0 });
    expect(r2).toBe(r1);
    await expect(q.enqueue(record(2))).rejects.toThrow(/signals/);
  });
}
