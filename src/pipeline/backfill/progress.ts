/**
 * The progress record of one backfill run: the manifest and how many chunks (a prefix, since
 * commits are in chunk order) are committed to the event log. Written atomically (tmp + rename)
 * after each chunk's append is flushed, so a kill at any point resumes at the first chunk not
 * recorded; a chunk appended but not yet recorded is re-appended and dropped as duplicates.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { StateError } from '../../core/index.js';
import type { RangeManifest } from './range.js';

export const BackfillProgress = z
  .object({
    version: z.literal(1),
    manifest: z
      .object({
        connectorId: z.string().min(1),
        kind: z.enum(['time', 'block']),
        from: z.number().int().nonnegative(),
        to: z.number().int().nonnegative(),
        chunkSize: z.number().int().positive(),
      })
      .strict(),
    totalChunks: z.number().int().nonnegative(),
    /** Chunks [0, committedChunks) are in the log. */
    committedChunks: z.number().int().nonnegative(),
    /** Events appended (new) and dropped as duplicates so far, over every attempt. */
    appended: z.number().int().nonnegative(),
    duplicates: z.number().int().nonnegative(),
    done: z.boolean(),
  })
  .strict();
export type BackfillProgress = z.infer<typeof BackfillProgress>;

/** Reads a progress file; undefined when absent; a damaged one is an error, never a silent restart. */
export function readProgress(file: string): BackfillProgress | undefined {
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new StateError('SPOOL_CORRUPT', `backfill progress file ${file} is not valid JSON`, { cause });
  }
  const res = BackfillProgress.safeParse(parsed);
  if (!res.success)
    throw new StateError('SPOOL_CORRUPT', `backfill progress file ${file} is damaged: ${res.error.message}`);
  return res.data;
}

export function writeProgress(file: string, p: BackfillProgress): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(p, null, 2) + '\n');
  renameSync(tmp, file);
}

export function sameManifest(a: RangeManifest, b: RangeManifest): boolean {
  return (
    a.connectorId === b.connectorId &&
    a.kind === b.kind &&
    a.from === b.from &&
    a.to === b.to &&
    a.chunkSize === b.chunkSize
  );
}
