/**
 * The pipeline DedupStore conformance suite: one set of behaviours every adapter of the port in
 * `src/pipeline/dedup/store.ts` must show (memory, file, Redis), so `Dedup` can rely on the same
 * answers from each. `newLocation()` gives a fresh, empty storage location; `open()` opens a
 * store on it (called again to simulate a restart). `durable` says whether a reopened store
 * still knows what the closed one remembered (file, Redis), or starts empty (memory).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DedupStore } from '../../../src/pipeline/dedup/index.js';

export interface DedupLocation {
  open(): DedupStore | Promise<DedupStore>;
}

export interface DedupConformanceOptions {
  readonly durable: boolean;
  /** Whether the store keeps the ids in process memory (memoryBytes > 0) or remotely (0). */
  readonly remote: boolean;
}

let counter = 0;
/** Event ids are sha256 hex, as the envelope makes them; unique per call across the run. */
const freshId = (): string =>
  createHash('sha256').update(`dedup-conformance/${process.pid}/${counter++}/${Math.random()}`).digest('hex');

export function pipelineDedupStoreConformance(
  name: string,
  newLocation: () => DedupLocation | Promise<DedupLocation>,
  options: DedupConformanceOptions,
): void {
  describe(`pipeline DedupStore conformance: ${name}`, () => {
    it('a fresh store has seen nothing and answers one boolean per id, in order', async () => {
      const store = await (await newLocation()).open();
      try {
        const ids = [freshId(), freshId(), freshId()];
        expect(await store.seen(ids)).toEqual([false, false, false]);
        expect(await store.seen([])).toEqual([]);
      } finally {
        await store.close();
      }
    });

    it('remembered ids are seen, the others not, answered in the order asked', async () => {
      const store = await (await newLocation()).open();
      try {
        const [a, b, c, d] = [freshId(), freshId(), freshId(), freshId()];
        await store.remember([b, d]);
        expect(await store.seen([a, b, c, d])).toEqual([false, true, false, true]);
        // The same id twice in one question gets the same answer twice.
        expect(await store.seen([d, a, d])).toEqual([true, false, true]);
      } finally {
        await store.close();
      }
    });

    it('asking does not remember: only remember (after the log acknowledged) does', async () => {
      const store = await (await newLocation()).open();
      try {
        const a = freshId();
        expect(await store.seen([a])).toEqual([false]);
        expect(await store.seen([a])).toEqual([false]);
        await store.remember([a]);
        expect(await store.seen([a])).toEqual([true]);
      } finally {
        await store.close();
      }
    });

    it('remember is idempotent: repeats within a batch and across batches change nothing', async () => {
      const store = await (await newLocation()).open();
      try {
        const [a, b] = [freshId(), freshId()];
        await store.remember([a, a, b]);
        await store.remember([a]);
        await store.remember([]);
        expect(await store.seen([a, b])).toEqual([true, true]);
      } finally {
        await store.close();
      }
    });

    it(`a reopened store ${options.durable ? 'still knows' : 'starts empty of'} what the closed one remembered`, async () => {
      const location = await newLocation();
      const [a, b] = [freshId(), freshId()];
      const first = await location.open();
      await first.remember([a]);
      expect(await first.seen([a, b])).toEqual([true, false]);
      await first.close();
      const second = await location.open();
      try {
        expect(await second.seen([a, b])).toEqual([options.durable, false]);
        await second.remember([b]);
        expect(await second.seen([a, b])).toEqual([options.durable, true]);
      } finally {
        await second.close();
      }
    });

    it(`reports ${options.remote ? 'no' : 'the'} process memory it holds and names its kind`, async () => {
      const store = await (await newLocation()).open();
      try {
        await store.remember([freshId(), freshId()]);
        expect(store.kind).toMatch(/^[a-z]+$/);
        if (options.remote) expect(store.memoryBytes).toBe(0);
        else expect(store.memoryBytes).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    });

    it('close can be called twice', async () => {
      const store = await (await newLocation()).open();
      await store.remember([freshId()]);
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });
  });
}
