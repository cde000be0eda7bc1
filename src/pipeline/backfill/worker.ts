/**
 * Backfill workers (issue #15, M0 §8): fetch a manifest's chunks from a RangeSource under
 * bounded concurrency (p-queue), label every event as backfill, and commit chunk by chunk into
 * the EventLog IN CHUNK ORDER: append, flush, then record the chunk in the progress file. The
 * committed chunks are therefore always a prefix, and a run killed anywhere resumes at the
 * first unrecorded chunk and leaves the log exactly as an uninterrupted run would (append is
 * idempotent by event_id, so a chunk appended but not recorded is dropped as duplicates).
 * Watermarks follow the backfillAdvancesWatermarks policy of the WatermarkStore given.
 */
import PQueue from 'p-queue';
import type { Clock, RetryPolicy } from '../../core/index.js';
import { AbortedError, DEFAULT_RETRY_POLICY, retry, StateError, ValidationError } from '../../core/index.js';
import { encodeEnvelope } from '../envelope/index.js';
import type { NormalizedEvent } from '../envelope/index.js';
import type { AppendRequest, EventLog, WatermarkStore } from '../eventlog/index.js';
import { backfillTag, labelBackfill } from './label.js';
import type { BackfillProgress } from './progress.js';
import { readProgress, sameManifest, writeProgress } from './progress.js';
import type { RangeChunk, RangeManifest, RangeSource } from './range.js';
import { manifestKey, rangeSplitter } from './splitter.js';

export interface BackfillOptions {
  readonly manifest: RangeManifest;
  readonly source: RangeSource;
  readonly log: EventLog;
  /** JSON progress record; an existing one for the same manifest is resumed. */
  readonly progressFile: string;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly clock: Clock;
  readonly watermarks?: WatermarkStore;
  readonly signal?: AbortSignal;
  /** After each committed chunk (progress bars, tests that abort at a chunk boundary). */
  readonly onChunk?: (p: ChunkCommitted) => void;
}

export interface ChunkCommitted {
  readonly chunk: RangeChunk;
  readonly events: number;
  readonly appended: number;
  readonly duplicates: number;
  readonly committedChunks: number;
  readonly totalChunks: number;
}

export interface BackfillResult {
  readonly key: string;
  readonly totalChunks: number;
  /** Chunks already committed by an earlier (interrupted) run of the same manifest. */
  readonly resumedAt: number;
  readonly appended: number;
  readonly duplicates: number;
}

export async function runBackfill(o: BackfillOptions): Promise<BackfillResult> {
  const m = o.manifest;
  if (o.source.connectorId !== m.connectorId || o.source.kind !== m.kind) {
    throw new ValidationError(
      `range source ${o.source.connectorId} (${o.source.kind}) does not serve manifest ${m.connectorId} (${m.kind})`,
      ['source'],
    );
  }
  const chunks = rangeSplitter(m);
  const prior = readProgress(o.progressFile);
  if (prior !== undefined && !sameManifest(prior.manifest, m)) {
    throw new StateError(
      'CONFLICT',
      `progress file ${o.progressFile} belongs to another manifest (${manifestKey(prior.manifest)})`,
    );
  }
  const progress: BackfillProgress = prior ?? {
    version: 1,
    manifest: { ...m },
    totalChunks: chunks.length,
    committedChunks: 0,
    appended: 0,
    duplicates: 0,
    done: false,
  };
  const resumedAt = progress.committedChunks;
  writeProgress(o.progressFile, progress);
  const signal = o.signal ?? new AbortController().signal;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: o.maxAttempts };
  const queue = new PQueue({ concurrency: o.concurrency });
  // Fetched-but-uncommitted chunks are bounded: only a window past the commit point is queued.
  const window = o.concurrency * 2;
  const fetched = new Map<number, Promise<readonly NormalizedEvent[]>>();
  let next = resumedAt;
  const schedule = (committed: number): void => {
    while (next < chunks.length && next < committed + window) {
      const chunk = chunks[next++] as RangeChunk;
      const p = queue.add(
        () =>
          retry(() => o.source.fetchChunk(chunk, signal), {
            policy,
            signal,
            clock: o.clock,
            label: `backfill ${m.connectorId} chunk ${chunk.index}`,
          }),
        { throwOnTimeout: true },
      );
      p.catch(() => undefined); // awaited in order below; an early failure must not be unhandled
      fetched.set(chunk.index, p);
    }
  };
  try {
    for (let i = resumedAt; i < chunks.length; i++) {
      schedule(i);
      const chunk = chunks[i] as RangeChunk;
      const events = await (fetched.get(i) as Promise<readonly NormalizedEvent[]>);
      fetched.delete(i);
      if (signal.aborted) throw new AbortedError(`backfill ${manifestKey(m)}: aborted`);
      const { appended, duplicates } = await commit(o, chunk, events);
      progress.committedChunks = i + 1;
      progress.appended += appended;
      progress.duplicates += duplicates;
      writeProgress(o.progressFile, progress);
      o.watermarks?.persist();
      o.onChunk?.({
        chunk,
        events: events.length,
        appended,
        duplicates,
        committedChunks: i + 1,
        totalChunks: chunks.length,
      });
    }
  } finally {
    queue.clear();
    await queue.onIdle().catch(() => undefined);
  }
  progress.done = true;
  writeProgress(o.progressFile, progress);
  return {
    key: manifestKey(m),
    totalChunks: chunks.length,
    resumedAt,
    appended: progress.appended,
    duplicates: progress.duplicates,
  };
}

async function commit(
  o: BackfillOptions,
  chunk: RangeChunk,
  events: readonly NormalizedEvent[],
): Promise<{ appended: number; duplicates: number }> {
  const tag = backfillTag(o.manifest.connectorId, o.manifest.kind, chunk);
  const batch: AppendRequest[] = [];
  const labelled: NormalizedEvent[] = [];
  for (const raw of events) {
    const e = labelBackfill(raw, tag);
    labelled.push(e);
    batch.push({
      partition: e.partitionKey,
      eventId: e.eventId,
      timestampMs: e.eventTimeMs,
      bytes: encodeEnvelope(e),
    });
  }
  const results = batch.length === 0 ? [] : await o.log.append(batch);
  await o.log.flush();
  let appended = 0;
  results.forEach((r, i) => {
    if (r.duplicate) return;
    appended++;
    const e = labelled[i] as NormalizedEvent;
    o.watermarks?.observe({
      partition: e.partitionKey,
      eventId: e.eventId,
      eventTimeMs: e.eventTimeMs,
      backfill: true,
    });
  });
  return { appended, duplicates: results.length - appended };
}
