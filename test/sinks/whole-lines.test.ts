import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { NdjsonAppender } from '../../src/sinks/local/ndjson.js';
import { Spool } from '../../src/sinks/spool/spool.js';
import { appendWhole, openLineFile, repairTornTail } from '../../src/sinks/whole-lines.js';
import type { LineFileHandle, OpenLineFile } from '../../src/sinks/whole-lines.js';
import { until } from '../kit/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lines-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A file system with a capacity: writes past `room` bytes behave like a full disk (the kernel
 * writes what fits, the next write fails with ENOSPC), exactly as write(2) does.
 */
class TinyDisk {
  room = Infinity;
  writes = 0;
  failedWrites = 0;
  readonly open: OpenLineFile = async (path) => {
    const real = await openLineFile(path);
    const handle: LineFileHandle = {
      write: async (buf, offset, length, position) => {
        this.writes++;
        if (this.room <= 0) {
          this.failedWrites++;
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        }
        const n = Math.min(length, this.room);
        const r = await real.write(buf, offset, n, position);
        this.room -= r.bytesWritten;
        return r;
      },
      read: (b, o, l, p) => real.read(b, o, l, p),
      sync: () => real.sync(),
      truncate: async (len) => {
        const before = (await real.stat()).size;
        await real.truncate(len);
        this.room += before - len;
      },
      stat: () => real.stat(),
      close: () => real.close(),
    };
    return handle;
  };
}

const lines = async (path: string): Promise<string[]> => (await readFile(path, 'utf8')).split('\n');

describe('whole-line appends', () => {
  it('continues a short write and cuts a failed batch back to the last whole line', async () => {
    const disk = new TinyDisk();
    const path = join(dir, 'f.ndjson');
    const h = await disk.open(path);
    let size = await appendWhole(h, Buffer.from('{"n":1}\n'), 0, true);
    disk.room = 5; // the next batch only partly fits
    await expect(appendWhole(h, Buffer.from('{"n":2}\n{"n":3}\n'), size, true)).rejects.toMatchObject({
      code: 'ENOSPC',
      truncated: true,
    });
    expect(disk.failedWrites).toBe(1); // the short write happened, then ENOSPC
    expect(await readFile(path, 'utf8')).toBe('{"n":1}\n');
    disk.room = Infinity;
    size = await appendWhole(h, Buffer.from('{"n":2}\n'), size, true);
    expect(size).toBe(16);
    expect(await lines(path)).toEqual(['{"n":1}', '{"n":2}', '']);
    await h.close();
  });

  it('cuts a torn tail a crash left, and leaves a file of whole lines alone', async () => {
    const path = join(dir, 'torn.ndjson');
    await writeFile(path, '{"n":1}\n{"n":2}\n{"n":');
    const h = await openLineFile(path);
    expect(await repairTornTail(h)).toEqual({ size: 16, cut: 5 });
    expect(await repairTornTail(h)).toEqual({ size: 16, cut: 0 });
    await h.close();
    const big = join(dir, 'big.ndjson');
    // A torn tail longer than one read chunk, after one whole line.
    await writeFile(big, `{"a":1}\n${'x'.repeat(200_000)}`);
    const hb = await openLineFile(big);
    expect(await repairTornTail(hb)).toEqual({ size: 8, cut: 200_000 });
    await hb.close();
  });
});

describe('NdjsonAppender on a full disk', () => {
  it('never leaves a broken line, and writes again once there is room', async () => {
    const disk = new TinyDisk();
    const path = join(dir, 'raw.ndjson');
    const app = new NdjsonAppender(path, { openFile: disk.open });
    await app.append(['{"n":1}', '{"n":2}']);
    disk.room = 10;
    await expect(app.append(['{"n":3}', '{"n":4}'])).rejects.toMatchObject({ code: 'SINK_WRITE' });
    await expect(app.append(['{"n":3}', '{"n":4}'])).rejects.toMatchObject({ code: 'SINK_WRITE' });
    expect(await lines(path)).toEqual(['{"n":1}', '{"n":2}', '']);
    disk.room = Infinity;
    await app.append(['{"n":3}', '{"n":4}']);
    await app.close();
    const parsed = (await lines(path)).filter((l) => l !== '').map((l) => JSON.parse(l) as { n: number });
    expect(parsed.map((r) => r.n)).toEqual([1, 2, 3, 4]);
  });

  it('repairs a torn tail left by a previous process before appending', async () => {
    const path = join(dir, 'signals.ndjson');
    await writeFile(path, '{"n":1}\n{"n":2');
    const app = new NdjsonAppender(path);
    await app.append(['{"n":3}']);
    await app.close();
    expect(await lines(path)).toEqual(['{"n":1}', '{"n":3}', '']);
  });
});

describe('Spool appends on a full disk', () => {
  it('cuts the failed batch back off and keeps using the same segment', async () => {
    const disk = new TinyDisk();
    const spool = await Spool.open({ dir, logger: silentLogger, openFile: disk.open });
    await spool.append(['{"n":1}']);
    disk.room = 12;
    await expect(spool.append(['{"n":2}', '{"n":3}'])).rejects.toMatchObject({ code: 'SINK_WRITE' });
    expect(spool.records).toBe(1);
    disk.room = Infinity;
    await spool.append(['{"n":2}', '{"n":3}']);
    const batch = await spool.read(10);
    expect(batch.payloads).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(batch.corrupt).toBe(0);
    expect((await readdir(dir)).filter((f) => f.startsWith('seg-'))).toHaveLength(1);
    await spool.close();
  });
});

describe('spool directory problems', () => {
  it('names a read-only directory instead of ENOENT, with its own code', async () => {
    const ro = join(dir, 'ro');
    await writeFile(ro, 'not a directory');
    await expect(Spool.open({ dir: join(ro, 'spool'), logger: silentLogger })).rejects.toMatchObject({
      code: 'SPOOL_DIR_UNUSABLE',
      message: expect.stringMatching(/is not a directory.*INGEST_SPOOL_DIR/),
    });
  });

  it('opens over a lock whose holder is a zombie or gone, and refuses a live holder', async () => {
    // Gone: a PID that does not exist.
    await writeFile(join(dir, 'owner.lock'), '999999999 1\n');
    const a = await Spool.open({ dir, logger: silentLogger });
    await a.close();
    // Live, same start time: refused with SPOOL_LOCKED.
    const stat = await readFile(`/proc/${process.ppid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    await writeFile(join(dir, 'owner.lock'), `${process.ppid} ${start}\n`);
    await expect(Spool.open({ dir, logger: silentLogger })).rejects.toMatchObject({
      code: 'SPOOL_LOCKED',
      message: expect.stringMatching(/held by another live instance/),
    });
    // Live PID but another start time: the PID was reused, the lock is stale.
    await writeFile(join(dir, 'owner.lock'), `${process.ppid} 1\n`);
    const b = await Spool.open({ dir, logger: silentLogger });
    await b.close();
  });

  it('opens over a lock held by a killed process that is still a zombie', async () => {
    // `sleep 0` exits at once; its parent exec's into a sleep that never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const zombie = Number.parseInt(line.toString(), 10);
      const stateOf = async (): Promise<string> => {
        const t = await readFile(`/proc/${zombie}/stat`, 'utf8');
        return t.slice(t.lastIndexOf(')') + 2).split(' ')[0] ?? '';
      };
      await until(async () => (await stateOf()) === 'Z', 5000, 'the child to become a zombie', 1);
      expect(() => process.kill(zombie, 0)).not.toThrow(); // kill(0) alone would call it alive
      await writeFile(join(dir, 'owner.lock'), `${zombie}\n`);
      const s = await Spool.open({ dir, logger: silentLogger });
      expect(await readFile(join(dir, 'owner.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
      await s.close();
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
