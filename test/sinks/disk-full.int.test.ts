// A real full disk: a small tmpfs is mounted for this file (root, or passwordless sudo, as the
// harness needs for its apt installs), and the local raw-event file and its spool live on it.
// A sink outage spills records to the spool, then the disk fills: /ready must say records can
// neither be delivered nor spooled, no line may be torn or glued, and once the filler is
// deleted everything drains, in order, without a restart. (The same faults are injected
// through the file-system port in whole-lines.test.ts, for machines where mounting is not allowed.)
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/index.js';
import type { RawEvent } from '../../src/core/index.js';
import { StatusReporter } from '../../src/app/status.js';
import type { SinkSet } from '../../src/app/sinks.js';
import { DurableQueue } from '../../src/sinks/durable-queue.js';
import type { DurableQueueEvents } from '../../src/sinks/durable-queue.js';
import { LocalRawEventStore } from '../../src/sinks/local/local-sinks.js';
import { FAST_POLICY } from './fakes.js';

const DISK_BYTES = 1024 * 1024;
let mnt: string;

function sh(cmd: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  execFileSync(asRoot ? cmd : 'sudo', asRoot ? args : ['-n', cmd, ...args], { stdio: 'pipe' });
}

beforeAll(async () => {
  mnt = await mkdtemp(join(tmpdir(), 'disk-full-'));
  try {
    sh('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES},mode=1777`, 'tmpfs', mnt]);
  } catch (err) {
    throw new Error(
      `disk-full test: cannot mount a ${DISK_BYTES}-byte tmpfs at ${mnt} (needs root or passwordless sudo): ${String(err)}`,
    );
  }
});

afterAll(async () => {
  try {
    sh('umount', [mnt]);
  } finally {
    await rm(mnt, { recursive: true, force: true });
  }
});

const event = (n: number): RawEvent => ({
  influencerId: 'inf-1',
  user: '0x31ca8395cf837de08b24da3f660e77761dfb974b',
  market: 'BTC',
  eventType: 'fill',
  eventId: `e${String(n).padStart(6, '0')}`,
  listenerId: 'inf-1/primary',
  eventTime: 1_700_000_000_000 + n,
  ingestTime: 1_700_000_000_000 + n,
  payload: JSON.stringify({ n, pad: 'x'.repeat(150) }),
});

/** Resolves with the first event of `name` that `pred` accepts. */
function next<K extends keyof DurableQueueEvents<RawEvent>>(
  q: DurableQueue<RawEvent>,
  name: K,
  pred: (e: DurableQueueEvents<RawEvent>[K]) => boolean = () => true,
): Promise<DurableQueueEvents<RawEvent>[K]> {
  return new Promise((resolve) => {
    const off = q.events.on(name, (e) => {
      if (!pred(e)) return;
      off();
      resolve(e);
    });
  });
}

/** Writes zeros until the file system refuses more; returns the bytes written. */
async function fillDisk(path: string): Promise<number> {
  const h = await open(path, 'w');
  const chunk = Buffer.alloc(4096);
  let total = 0;
  try {
    for (;;) {
      const { bytesWritten } = await h.write(chunk, 0, chunk.length);
      total += bytesWritten;
      if (bytesWritten < chunk.length) break;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await h.close();
  }
  return total;
}

describe('disk full', () => {
  it('reports not ready, tears no line, and drains the spool once there is room, without a restart', async () => {
    const store = new LocalRawEventStore({ path: join(mnt, 'local', 'raw.ndjson') });
    let sinkDown = true;
    const q = await DurableQueue.open<RawEvent>({
      name: 'raw-events',
      deliver: async (batch) => {
        if (sinkDown) throw new Error('sink outage');
        await store.insert(batch);
      },
      spoolDir: join(mnt, 'spool', 'raw-events'),
      maxBatchRecords: 50,
      spillThreshold: 1000,
      retryPolicy: FAST_POLICY,
      clock: systemClock,
    });
    const reporter = new StatusReporter({
      app: {
        manager: null,
        sinks: { probes: [{ name: 'local-raw', probe: store }], signals: q } as unknown as SinkSet,
        signalCounts: new Map(),
        watcher: null,
        config: { source: { kind: 'simulator' } },
      },
      clock: systemClock,
    });
    const sinksCheck = async () => (await reporter.readiness()).checks.find((c) => c.name === 'sinks');

    // 1. A sink outage: 300 records go to the spool on the small disk.
    const spilled300 = next(q, 'spilled', () => q.stats().spoolRecords >= 300);
    for (let n = 0; n < 300; n++) await q.enqueue(event(n));
    await spilled300;
    expect(await sinksCheck()).toMatchObject({ ok: true, detail: expect.stringContaining('spooling') });

    // 2. The disk fills up; 200 more records can be spooled no more; the sink returns but its
    //    file is on the same full disk.
    const filler = join(mnt, 'filler');
    const fillerBytes = await fillDisk(filler);
    const spoolFails = next(q, 'spoolError');
    for (let n = 300; n < 500; n++) await q.enqueue(event(n));
    await spoolFails;
    sinkDown = false;
    await next(q, 'deliveryFailed', (e) => /ENOSPC/.test(String((e.error as Error).message)));
    await next(q, 'deliveryFailed', (e) => /ENOSPC/.test(String((e.error as Error).message)));
    const health = q.health();
    expect(health).toMatchObject({ canDeliver: false, canSpool: false });
    expect(health.detail).toMatch(/cannot deliver: .*ENOSPC.*cannot spool: .*ENOSPC/);
    const check = await sinksCheck();
    expect(check).toMatchObject({ ok: false });
    expect(check?.detail).toMatch(/local-raw: cannot deliver/);

    // No torn or glued line: every line in the sink file is one whole record.
    const during = (await readFile(join(mnt, 'local', 'raw.ndjson'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l !== '');
    for (const l of during) expect(() => JSON.parse(l) as unknown).not.toThrow();

    // 3. Room again: the spool drains by itself, in order, and /ready says so.
    const freedAt = performance.now();
    await rm(filler);
    await q.flush(60_000);
    const drainMs = performance.now() - freedAt;
    const lines = (await readFile(join(mnt, 'local', 'raw.ndjson'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '');
    const ns = lines.map((l) => (JSON.parse(JSON.parse(l).payload as string) as { n: number }).n);
    expect(ns).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(q.health()).toMatchObject({ canDeliver: true, canSpool: true });
    expect(await sinksCheck()).toMatchObject({ ok: true });
    const stats = q.stats();
    console.log(
      `disk-full figures: tmpfs ${DISK_BYTES} B, filler ${fillerBytes} B, lines during outage ${during.length}, ` +
        `failed deliveries ${stats.failures}, spooled ${stats.spilled}, drained 500 records in ${drainMs.toFixed(0)} ms after the filler was deleted`,
    );
    await q.close(1000);
    await store.close();
  });

  it('a remote sink takes records while the spool disk is full: delivery resumes once the cursor can be saved', async () => {
    const received: number[] = [];
    let sinkDown = true;
    const q = await DurableQueue.open<RawEvent>({
      name: 'raw-remote',
      deliver: async (batch) => {
        if (sinkDown) throw new Error('sink outage');
        for (const e of batch) received.push((JSON.parse(e.payload) as { n: number }).n);
        await Promise.resolve();
      },
      spoolDir: join(mnt, 'spool', 'raw-remote'),
      maxBatchRecords: 50,
      spillThreshold: 1000,
      retryPolicy: FAST_POLICY,
      clock: systemClock,
    });
    const spilled = next(q, 'spilled', () => q.stats().spoolRecords >= 300);
    for (let n = 0; n < 300; n++) await q.enqueue(event(n));
    await spilled;
    const filler = join(mnt, 'filler-2');
    await fillDisk(filler);
    // The sink is back, but the spool cannot record what it acknowledged (cursor.json).
    const stuck = next(q, 'spoolError', (e) => /ENOSPC/.test(String((e.error as Error).message)));
    sinkDown = false;
    await stuck;
    expect(q.health()).toMatchObject({ canDeliver: false });
    const freedAt = performance.now();
    await rm(filler);
    await q.flush(60_000);
    const drainMs = performance.now() - freedAt;
    // At-least-once: a batch whose acknowledgement could not be saved is delivered again.
    const firsts = received.filter((n, i) => received.indexOf(n) === i);
    expect(firsts).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(q.health()).toMatchObject({ canDeliver: true, canSpool: true });
    console.log(
      `disk-full figures (remote sink): ${received.length} deliveries for 300 records ` +
        `(${received.length - 300} re-sent), drained in ${drainMs.toFixed(0)} ms after the filler was deleted`,
    );
    await q.close(1000);
  });
});
