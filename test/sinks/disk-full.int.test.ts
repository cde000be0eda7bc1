// A real full disk: a small tmpfs is mounted for this file (root, or passwordless sudo, as the
// harness needs for its apt installs), and the local raw-event file and its spool live on it.
// A sink outage spills records to the spool, then the disk fills: /ready must say records can
// neither be delivered nor spooled, no line may be torn or glued, and once the filler is
// deleted everything drains, in order, without a restart. (The same faults are injected
// through the file-system port in whole-lines.test.ts, for machines where mounting is not allowed.)
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../src/core/index.js';
import type { RawEvent } from '../../src/core/index.js';
import { StatusReporter } from '../../src/app/status.js';
import type { SinkSet } from '../../src/app/sinks.js';
import { DurableQueue } from '../../src/sinks/durable-queue.js';
import type { DurableQueueEvents } from '../../src/sinks/durable-queue.js';
import { LocalRawEventStore } from '../../src/sinks/local/local-sinks.js';
import { Spool } from '../../src/sinks/spool/spool.js';
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
    // Lazy: a failed test may still hold files open there; detach anyway.
    sh('umount', ['-l', mnt]);
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

    // 0. Normal operation: 100 records reach the sink's file.
    let sinkDown = false;
    for (let n = 0; n < 100; n++) await q.enqueue(event(n));
    await q.flush(30_000);

    // 1. A sink outage: 300 records go to the spool on the small disk.
    sinkDown = true;
    const spilled300 = next(q, 'spilled', () => q.stats().spoolRecords >= 300);
    for (let n = 100; n < 400; n++) await q.enqueue(event(n));
    await spilled300;
    expect(await sinksCheck()).toMatchObject({ ok: true, detail: expect.stringContaining('spooling') });

    // 2. The disk fills up, all but 8 KiB: less than one batch, so the next appends are cut
    //    short by the kernel and then refused (a torn write, for real). 200 more records cannot
    //    be spooled; the sink returns, but its file is on the same full disk.
    const gap = join(mnt, 'gap');
    await writeFile(gap, Buffer.alloc(8192));
    const filler = join(mnt, 'filler');
    const fillerBytes = await fillDisk(filler);
    await rm(gap);
    const spoolFails = next(q, 'spoolError');
    for (let n = 400; n < 600; n++) await q.enqueue(event(n));
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
    const duringText = await readFile(join(mnt, 'local', 'raw.ndjson'), 'utf8');
    expect(duringText.endsWith('\n')).toBe(true);
    const during = duringText.split('\n').filter((l) => l !== '');
    // Whole records only, in order: the 100 from before, plus any batch that fit in the gap.
    const nOf = (l: string): number => (JSON.parse(JSON.parse(l).payload as string) as { n: number }).n;
    expect(during.map(nOf)).toEqual(Array.from({ length: during.length }, (_, i) => i));
    expect(during.length).toBeGreaterThanOrEqual(100);

    // 3. Room again: the spool drains by itself, in order, and /ready says so.
    const freedAt = performance.now();
    await rm(filler);
    await q.flush(60_000);
    const drainMs = performance.now() - freedAt;
    const lines = (await readFile(join(mnt, 'local', 'raw.ndjson'), 'utf8'))
      .split('\n')
      .filter((l) => l !== '');
    const ns = lines.map(nOf);
    expect(ns).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(q.health()).toMatchObject({ canDeliver: true, canSpool: true });
    expect(await sinksCheck()).toMatchObject({ ok: true });
    const stats = q.stats();
    console.log(
      `disk-full figures: tmpfs ${DISK_BYTES} B, filler ${fillerBytes} B, lines during outage ${during.length}, ` +
        `failed deliveries ${stats.failures}, spooled ${stats.spilled}, drained 500 waiting records in ${drainMs.toFixed(0)} ms after the filler was deleted`,
    );
    await q.close(1000);
    await store.close();
  });

  it('a remote sink takes records while the spool disk is full: delivery resumes once the cursor can be saved', async () => {
    // A failed test before this one may have left its filler behind.
    await rm(join(mnt, 'filler'), { force: true });
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

  it('a spool directory on a read-only file system is named as such, not as ENOENT', async () => {
    const ro = join(mnt, 'ro');
    await mkdir(ro);
    sh('mount', ['-t', 'tmpfs', '-o', 'size=65536,ro', 'tmpfs', ro]);
    try {
      for (const dir of [join(ro, 'spool', 'signals'), ro]) {
        const err = await Spool.open({ dir, logger: silentLogger }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, dir).toMatchObject({ code: 'SPOOL_DIR_UNUSABLE' });
        expect((err as Error).message).toContain(`${ro} is on a read-only file system`);
        expect((err as Error).message).not.toMatch(/ENOENT/);
      }
    } finally {
      sh('umount', [ro]);
    }
  });
});
