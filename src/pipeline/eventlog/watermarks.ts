/**
 * Per-partition watermarks (issue #15, M0 §9): the highest event time seen, the ingest time it
 * was recorded at and the last event id, persisted to one JSON file so a restart resumes from
 * them. Lag (ingest − event time of the newest record) is derived from the same state so the lag
 * metric and the persisted watermark never disagree. Whether backfill may move a watermark is a
 * policy flag: by default it may not, so replaying old data never makes a live consumer believe
 * it caught up.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { StateError } from '../../core/errors.js';

export const Watermark = z
  .object({
    partition: z.string().min(1),
    eventTimeMs: z.number().int().nonnegative(),
    ingestTimeMs: z.number().int().nonnegative(),
    lastEventId: z.string().min(1),
  })
  .strict();
export type Watermark = z.infer<typeof Watermark>;

const WatermarkFile = z.object({ version: z.literal(1), watermarks: z.array(Watermark) }).strict();

export interface WatermarkObservation {
  readonly partition: string;
  readonly eventId: string;
  readonly eventTimeMs: number;
  /** The record came from a backfill run rather than the live feed. */
  readonly backfill: boolean;
}

export interface WatermarkStoreOptions {
  /** JSON file holding every partition's watermark; written atomically (tmp + rename). */
  readonly file: string;
  /** Policy: may a backfill record advance a watermark? */
  readonly backfillAdvances: boolean;
  /** Injected clock: tests use a fake one. */
  readonly now: () => number;
}

export class WatermarkStore {
  private readonly marks = new Map<string, Watermark>();
  private dirty = false;

  private constructor(private readonly options: WatermarkStoreOptions) {}

  /** Loads the file if present; a damaged file is an error, never silently reset to zero. */
  static open(options: WatermarkStoreOptions): WatermarkStore {
    const store = new WatermarkStore(options);
    if (existsSync(options.file)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(options.file, 'utf8'));
      } catch (cause) {
        throw new StateError('SPOOL_CORRUPT', `watermark file ${options.file} is not valid JSON`, { cause });
      }
      const res = WatermarkFile.safeParse(parsed);
      if (!res.success) {
        throw new StateError(
          'SPOOL_CORRUPT',
          `watermark file ${options.file} is damaged: ${res.error.message}`,
        );
      }
      for (const w of res.data.watermarks) store.marks.set(w.partition, w);
    }
    return store;
  }

  /** Records one appended event; returns true when the partition's watermark moved. */
  observe(o: WatermarkObservation): boolean {
    if (o.backfill && !this.options.backfillAdvances) return false;
    const cur = this.marks.get(o.partition);
    // Event time only moves forward: a late record never drags the watermark back.
    if (cur !== undefined && o.eventTimeMs < cur.eventTimeMs) return false;
    this.marks.set(o.partition, {
      partition: o.partition,
      eventTimeMs: o.eventTimeMs,
      ingestTimeMs: this.options.now(),
      lastEventId: o.eventId,
    });
    this.dirty = true;
    return true;
  }

  get(partition: string): Watermark | undefined {
    return this.marks.get(partition);
  }

  all(): readonly Watermark[] {
    return [...this.marks.values()].sort((a, b) => (a.partition < b.partition ? -1 : 1));
  }

  /** Milliseconds between now and the partition's event-time watermark; undefined before any event. */
  lagMs(partition: string): number | undefined {
    const w = this.marks.get(partition);
    return w === undefined ? undefined : Math.max(0, this.options.now() - w.eventTimeMs);
  }

  /** Persists when something changed since the last persist. */
  persist(): void {
    if (!this.dirty) return;
    const tmp = `${this.options.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, watermarks: this.all() }));
    renameSync(tmp, this.options.file);
    this.dirty = false;
  }
}
