/**
 * The typed events the position engine emits. Metrics (counters per kind) and logs hang off
 * these; nothing in the engine depends on who listens.
 */
import type { Decimal, DeliveryKind, MarketClass } from '../core/index.js';
import type { ReconcileReason, Signal } from './signal.js';
import type { PositionAction, PositionState } from './transitions.js';

export interface MarketRef {
  readonly influencerId: string;
  readonly market: string;
}

export const ABSORB_REASONS = [
  /** Older than the last processed fill (already reflected, e.g. pre-seed snapshot history). */
  'stale',
  /** Same event id already processed at the boundary millisecond. */
  'duplicate',
  /** A fill right after seeding that the seeded position already includes. */
  'seed-overlap',
  /** Included in an authoritative snapshot we reconciled to. */
  'reconciled',
  /** Fill for an influencer that was never admitted. */
  'unknown-influencer',
  /** Seeding buffer overflow: dropped (a later gap check repairs user-stream fills). */
  'buffer-overflow',
] as const;
export type AbsorbReason = (typeof ABSORB_REASONS)[number];

export interface PositionEngineEvents {
  signal: Signal;
  transition: MarketRef & { from: PositionState; to: PositionState; action: PositionAction };
  selfTrade: MarketRef & { time: number; pairs: number };
  netZeroBlock: MarketRef & { time: number; fillCount: number };
  dirMismatch: MarketRef & { eventId: string; dir: string; expected: string };
  unknownDir: MarketRef & { eventId: string; dir: string };
  /** A fill that produced no signal. `time` and `delivery` say which fill, for the drop log. */
  absorbed: MarketRef & { eventId: string; reason: AbsorbReason; time: number; delivery: DeliveryKind };
  /**
   * Fills the engine applied that no signal carries: a market class that does not emit, a block
   * or an order that nets to zero. Whoever keeps something per fill until its signal (receipt
   * times) can let go of these now. Emitted only when there are such fills.
   */
  unsignalled: MarketRef & { eventIds: readonly string[] };
  /** Position changed in a market class configured not to emit signals. */
  suppressed: MarketRef & { marketClass: MarketClass; time: number };
  seeded: { influencerId: string; markets: number; fromCursor: number };
  /** A tracker without an authoritative seed adopted its first fill's startPosition. */
  seededFromFill: MarketRef & { position: Decimal };
  gap: MarketRef & { expected: Decimal; got: Decimal | null; eventId: string; time: number };
  backfill: MarketRef & {
    fromMs: number;
    toMs: number;
    fetched: number;
    applied: number;
    truncated: boolean;
  };
  reconcile: MarketRef & { from: Decimal; to: Decimal; reason: ReconcileReason; changed: boolean };
  reconcileSkipped: MarketRef & { reason: 'repairing' | 'stale-snapshot' | 'resume-after-snapshot' };
  resumed: { influencerId: string; fills: number; truncated: boolean };
  publishFailed: MarketRef & { signalId: string; error: unknown };
  error: { error: unknown; context: Record<string, unknown> };
}
