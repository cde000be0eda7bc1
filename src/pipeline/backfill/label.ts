/**
 * Labels an event as backfill (M0 §8: consumers can treat it differently): the BACKFILL quality
 * flag bit, and the tag `backfill://<connector>/<kind>/<from>-<to>` (the chunk) in source_uri.
 * Neither is part of event_id, so a backfilled event keeps the id the live feed gives it and
 * the log's idempotent append drops whichever of the two comes second.
 */
import type { NormalizedEvent } from '../envelope/index.js';
import { QUALITY_FLAGS } from '../envelope/index.js';
import type { RangeChunk, RangeKind } from './range.js';

export const BACKFILL_TAG_PREFIX = 'backfill://';

export function backfillTag(connectorId: string, kind: RangeKind, chunk: RangeChunk): string {
  return `${BACKFILL_TAG_PREFIX}${connectorId}/${kind}/${chunk.from}-${chunk.to}`;
}

export function labelBackfill(e: NormalizedEvent, tag: string): NormalizedEvent {
  return { ...e, qualityFlags: e.qualityFlags | QUALITY_FLAGS.BACKFILL, sourceUri: tag };
}

/** True when the event carries the backfill flag (the tag alone is informative). */
export function isBackfill(e: Pick<NormalizedEvent, 'qualityFlags'>): boolean {
  return (e.qualityFlags & QUALITY_FLAGS.BACKFILL) !== 0;
}
