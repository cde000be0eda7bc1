import { appendFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { DurableQueue } from '../../src/sinks/durable-queue.js';
import { encodeLine, parseLines } from '../../src/sinks/spool/framing.js';
import { Spool } from '../../src/sinks/spool/spool.js';
import { FakeSink } from './fakes.js';
import { ManualClock } from '../kit/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spool-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const segFiles = async (): Promise<string[]> =>
  (await readdir(dir)).filter((f) => f.startsWith('seg-')).sort();

describe('spool framing', () => {
  it('round-trips payloads and flags damaged lines and a torn tail', () => {
    const good = Buffer.concat([encodeLine('{"a":1}'), encodeLine('{"b":"ü"}')]);
    const bad = Buffer.from('deadbeef {"c":3}\n', 'latin1');
    const torn = encodeLine('{"d":4}').subarray(0, 10);
    const parsed = parseLines(Buffer.concat([good, bad, torn]), true);
    expect(parsed.records.map((r) => r.payload)).toEqual(['{"a":1}', '{"b":"ü"}']);
    expect(parsed.corruptEnds).toHaveLength(2);
    // Without atEof the trailing piece is just not complete yet.
    expect(parseLines(Buffer.concat([good, torn]), false).corruptEnds).toHaveLength(0);
    expect(() => encodeLine('a\nb')).toThrow(/newline/);
  });
});

describe('Spool', () => {
  it('reads without moving the cursor, commits, rotates and deletes consumed segments', async () => {
    const spool = await Spool.open({ dir, segmentBytes: 64, logger: silentLogger });
    await spool.append(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    await spool.append(['{"n":5}', '{"n":6}']);
    expect(spool.records).toBe(6);
    expect((await segFiles()).length).toBe(2);
    const a = await spool.read(4);
    const again = await spool.read(4);
    expect(again.payloads).toEqual(a.payloads);
    expect(a.payloads).toEqual(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    await spool.commit(a.end, 4);
    expect(spool.records).toBe(2);
    expect((await segFiles()).length).toBe(1);
    const b = await spool.read(10);
    expect(b.payloads).toEqual(['{"n":5}', '{"n":6}']);
    await spool.commit(b.end, 2);
    expect(spool.isEmpty).toBe(true);
    await spool.close();
  });

  it('recovers after a crash: keeps the cursor, skips a torn last record and a damaged one, counts them', async () => {
    const first = await Spool.open({ dir, logger: silentLogger });
    await first.append(['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);
    const r = await first.read(1);
    await first.commit(r.end, 1);
    // crash: no close(); then damage record 3 in place and leave half a record at the end
    const [seg] = await segFiles();
    const path = join(dir, seg ?? '');
    const text = await readFile(path, 'latin1');
    await writeFile(path, text.replace('{"n":3}', '{"n":X}'), 'latin1');
    await appendFile(path, encodeLine('{"n":5}').subarray(0, 12));

    const second = await Spool.open({ dir, logger: silentLogger });
    expect(second.recovered.records).toBe(2); // 2 and 4
    const batch = await second.read(10);
    expect(batch.payloads).toEqual(['{"n":2}', '{"n":4}']);
    expect(batch.corrupt).toBe(2);
    expect((await second.read(10)).corrupt).toBe(0); // re-reading does not count twice
    await second.append(['{"n":6}']); // new data goes to a fresh segment, never after the torn tail
    expect((await segFiles()).length).toBe(2);
    await second.close();
  });

  it('refuses a spool directory owned by another live process', async () => {
    await writeFile(join(dir, 'owner.lock'), String(process.ppid));
    await expect(Spool.open({ dir, logger: silentLogger })).rejects.toMatchObject({ code: 'SPOOL_LOCKED' });
  });
});

describe('DurableQueue over a damaged spool', () => {
  it('delivers the intact records in order and reports SPOOL_CORRUPT counts instead of crashing', async () => {
    const spool = await Spool.open({ dir, logger: silentLogger });
    await spool.append([1, 2, 3].map((n) => JSON.stringify({ n })));
    await spool.close();
    const [seg] = await segFiles();
    await appendFile(join(dir, seg ?? ''), '0000abcd {"n":'); // torn tail from a kill -9

    const sink = new FakeSink<{ n: number }>();
    const clock = new ManualClock();
    const q = await DurableQueue.open<{ n: number }>({
      name: 'c',
      deliver: sink.deliver,
      spoolDir: dir,
      clock,
    });
    const corrupt: number[] = [];
    q.events.on('corrupt', (e) => corrupt.push(e.count));
    await q.flush(5000);
    expect(sink.received.map((r) => r.n)).toEqual([1, 2, 3]);
    expect(corrupt).toEqual([1]);
    expect(q.stats().corrupt).toBe(1);
    const p = q.close(10);
    clock.advance(10);
    await p;
  });
});
