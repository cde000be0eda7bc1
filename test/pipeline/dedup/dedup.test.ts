/** Dedup: in-batch, LRU and store duplicates; eviction falls back to the store; the file store survives a restart. */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dedup, FileDedupStore, MemoryDedupStore } from '../../../src/pipeline/dedup/index.js';

const id = (i: number): string => createHash('sha256').update(`e${i}`).digest('hex');
const ev = (i: number) => ({ eventId: id(i), i });

describe('Dedup', () => {
  it('drops duplicates within a batch and across batches, counting each', async () => {
    const d = new Dedup(new MemoryDedupStore(), 100);
    const first = await d.filter([ev(1), ev(2), ev(1)]);
    expect(first.fresh.map((e) => e.i)).toEqual([1, 2]);
    expect(first.duplicates.map((e) => e.i)).toEqual([1]);
    await d.commit(first.fresh.map((e) => e.eventId));
    const second = await d.filter([ev(2), ev(3)]);
    expect(second.fresh.map((e) => e.i)).toEqual([3]);
    expect(d.hits).toBe(2);
  });

  it('an id evicted from the LRU is still caught by the durable store', async () => {
    const d = new Dedup(new MemoryDedupStore(), 2);
    for (const i of [1, 2, 3]) await d.commit((await d.filter([ev(i)])).fresh.map((e) => e.eventId));
    expect(d.lruSize).toBe(2);
    expect((await d.filter([ev(1)])).duplicates).toHaveLength(1);
  });

  it('an id seen but never committed (the log append failed) is not remembered by the store', async () => {
    const store = new MemoryDedupStore();
    await new Dedup(store, 10).filter([ev(9)]);
    expect(await store.seen([id(9)])).toEqual([false]);
  });
});

describe('FileDedupStore', () => {
  it('remembers across reopen and cuts a torn last id', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dedup-')), 'ids');
    const a = new FileDedupStore(file, true);
    await a.remember([id(1), id(2), id(1)]);
    expect(a.size).toBe(2);
    await a.close();
    appendFileSync(file, Buffer.alloc(7, 1)); // a crash mid-write
    const b = new FileDedupStore(file, false);
    expect(await b.seen([id(1), id(2), id(3)])).toEqual([true, true, false]);
    expect(statSync(file).size).toBe(64);
    await b.close();
  });
});
