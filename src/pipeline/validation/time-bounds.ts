/**
 * Time bounds (M0 §7): event time may run ahead of ingest time by at most max_event_time_skew_ms
 * (clock skew between source and us) and lag it by at most max_staleness_ms; both per market
 * from the connector's mapping table.
 */
import type { TimeBounds } from '../connectors/index.js';

export type TimeVerdict = 'ok' | 'FUTURE_EVENT_TIME' | 'STALE_EVENT_TIME';

export function checkTimeBounds(eventTimeMs: number, ingestTimeMs: number, b: TimeBounds): TimeVerdict {
  if (eventTimeMs > ingestTimeMs + b.maxSkewMs) return 'FUTURE_EVENT_TIME';
  if (eventTimeMs < ingestTimeMs - b.maxStalenessMs) return 'STALE_EVENT_TIME';
  return 'ok';
}
