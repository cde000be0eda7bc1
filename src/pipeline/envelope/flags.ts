/**
 * Quality flags (M0 §7): one bit each, combined with OR and never cleared downstream, so a
 * consumer sees every doubt any stage had. The numeric values are part of the public contract.
 */
export const QUALITY_FLAGS = {
  INVALID_SCHEMA: 0x0001,
  STALE_EVENT_TIME: 0x0002,
  FUTURE_EVENT_TIME: 0x0004,
  DUPLICATE_EVENT: 0x0008,
  SOURCE_DIVERGENCE: 0x0010,
  OUTLIER_DETECTED: 0x0020,
  PARTIAL_COVERAGE: 0x0040,
  CONNECTOR_DEGRADED: 0x0080,
  QUARANTINED: 0x0100,
  /** Published by a backfill run (issue #15, M0 §8), not the live feed: consumers may treat it apart. */
  BACKFILL: 0x0200,
} as const;

export type QualityFlagName = keyof typeof QUALITY_FLAGS;

/** Every defined bit; anything outside is rejected when an envelope is decoded. */
export const QUALITY_FLAGS_MASK = Object.values(QUALITY_FLAGS).reduce((a, b) => a | b, 0);

/** The flag names set in `flags`, in bit order (for logs and the debug printer). */
export function flagNames(flags: number): QualityFlagName[] {
  return (Object.keys(QUALITY_FLAGS) as QualityFlagName[]).filter((k) => (flags & QUALITY_FLAGS[k]) !== 0);
}
