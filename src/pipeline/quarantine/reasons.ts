/**
 * Quarantine reason codes (M0 §6–7): why a raw record or draft never reached the normalized
 * stream. Codes are stable (dashboards and the events_quarantined_total{reason} label match
 * on them); each maps to the quality flags stamped on the quarantine record.
 */
import { QUALITY_FLAGS as F } from '../envelope/index.js';

export const QUARANTINE_REASONS = {
  PARSE_ERROR: { flags: F.INVALID_SCHEMA, doc: 'The connector could not parse the raw bytes.' },
  SCHEMA_INVALID: {
    flags: F.INVALID_SCHEMA,
    doc: 'Parsed, but a field is missing, mistyped or does not fit its layout (range, precision).',
  },
  UNSUPPORTED_RECORD: { flags: F.INVALID_SCHEMA, doc: 'A record kind the connector does not know.' },
  NORMALIZE_FAILED: {
    flags: F.INVALID_SCHEMA,
    doc: 'The connector threw while normalizing (a connector bug).',
  },
  UNDECLARED_PAYLOAD_TYPE: {
    flags: F.INVALID_SCHEMA,
    doc: 'A payload type the connector.yaml does not declare.',
  },
  UNMAPPED_MARKET: { flags: 0, doc: 'The native market is not in the connector mapping table.' },
  FUTURE_EVENT_TIME: {
    flags: F.FUTURE_EVENT_TIME,
    doc: 'Event time beyond ingest time + max_event_time_skew_ms.',
  },
  STALE_EVENT_TIME: { flags: F.STALE_EVENT_TIME, doc: 'Event time before ingest time − max_staleness_ms.' },
  SANITY_FAILED: { flags: 0, doc: 'Source sanity: high < low, bid > ask, a size ≤ 0, a price ≤ 0, ...' },
} as const;

export type QuarantineReason = keyof typeof QUARANTINE_REASONS;
export const QUARANTINE_REASON_CODES = Object.keys(QUARANTINE_REASONS) as QuarantineReason[];

/** Flags a quarantine record carries: the reason's own plus QUARANTINED. */
export function quarantineFlags(reason: QuarantineReason, extra = 0): number {
  return QUARANTINE_REASONS[reason].flags | extra | F.QUARANTINED;
}
