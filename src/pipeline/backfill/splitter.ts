/**
 * The range_splitter: a RangeManifest cut into half-open chunks [from, to) of `chunkSize`, the
 * last one shorter when the range is not a multiple. Pure and deterministic, so chunk `index`
 * names the same interval on every run of the same manifest (progress files rely on it).
 */
import { ValidationError } from '../../core/index.js';
import type { RangeChunk, RangeManifest } from './range.js';

/** More chunks than this is a mistake (a chunk size in the wrong unit), not a plan. */
export const MAX_CHUNKS = 1_000_000;

/** Throws a ValidationError naming every problem of the manifest; returns it otherwise. */
export function checkManifest(m: RangeManifest): RangeManifest {
  const problems: string[] = [];
  if (typeof m.connectorId !== 'string' || m.connectorId.length === 0)
    problems.push('connectorId must be a non-empty string');
  if (m.kind !== 'time' && m.kind !== 'block')
    problems.push(`kind must be 'time' or 'block', got ${String(m.kind)}`);
  for (const k of ['from', 'to', 'chunkSize'] as const) {
    if (!Number.isSafeInteger(m[k]) || m[k] < 0)
      problems.push(`${k} must be a non-negative integer, got ${m[k]}`);
  }
  if (problems.length === 0) {
    if (m.chunkSize === 0) problems.push('chunkSize must be > 0');
    if (m.to < m.from) problems.push(`to (${m.to}) is before from (${m.from})`);
    else if (m.chunkSize > 0 && Math.ceil((m.to - m.from) / m.chunkSize) > MAX_CHUNKS)
      problems.push(`range ${m.from}..${m.to} in chunks of ${m.chunkSize} exceeds ${MAX_CHUNKS} chunks`);
  }
  if (problems.length > 0) throw new ValidationError(`bad range manifest: ${problems.join('; ')}`, problems);
  return m;
}

/** The chunks of a manifest in order; an empty range (from = to) has none. */
export function rangeSplitter(manifest: RangeManifest): RangeChunk[] {
  const m = checkManifest(manifest);
  const chunks: RangeChunk[] = [];
  for (let from = m.from, index = 0; from < m.to; from += m.chunkSize, index++) {
    chunks.push({ index, from, to: Math.min(from + m.chunkSize, m.to) });
  }
  return chunks;
}

/** A stable key naming the manifest (progress file name, backfill tag). */
export function manifestKey(m: RangeManifest): string {
  return `${m.connectorId}.${m.kind}.${m.from}-${m.to}.${m.chunkSize}`;
}
