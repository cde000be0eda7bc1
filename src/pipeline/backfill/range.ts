/**
 * The bounded-range contract shared by backfill workers and range sources (issue #15): a range
 * manifest (a time range in ms UTC, or a block range), cut into chunks by the range splitter,
 * each chunk fetched by a RangeSource as deterministic NormalizedEvents. Half-open ranges
 * [from, to) throughout, so adjacent chunks never overlap.
 */
import type { NormalizedEvent } from '../envelope/index.js';

export type RangeKind = 'time' | 'block';

/** What a backfill run covers: one connector, one range, cut into chunks of `chunkSize`. */
export interface RangeManifest {
  readonly connectorId: string;
  readonly kind: RangeKind;
  /** Inclusive start: ms UTC for 'time', block number for 'block'. */
  readonly from: number;
  /** Exclusive end. */
  readonly to: number;
  /** Chunk length in the range's unit (ms or blocks). */
  readonly chunkSize: number;
}

/** One chunk of a manifest; `index` is its position, stable for a given manifest. */
export interface RangeChunk {
  readonly index: number;
  readonly from: number;
  readonly to: number;
}

/**
 * Produces the events of one chunk. Must be deterministic: the same chunk always yields the same
 * events (same ids, same bytes), so a resumed or repeated chunk commits idempotently.
 */
export interface RangeSource {
  readonly connectorId: string;
  readonly kind: RangeKind;
  fetchChunk(chunk: RangeChunk, signal: AbortSignal): Promise<readonly NormalizedEvent[]>;
}
