/**
 * The normalized events that flow from listeners through the fan-in to the position state
 * machine, plus the raw-event and dead-letter records the sinks store. These are the
 * contracts between pipeline stages; each stage imports them from here and nothing else.
 */
import type { Address } from './address.js';
import type { Decimal } from './decimal.js';

/** How the event reached us. The event id is the same whichever of these delivered it. */
export const DELIVERY_KINDS = ['live', 'snapshot', 'backfill', 'replay'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];

export const LISTENER_KINDS = ['user-stream', 'market-stream'] as const;
export type ListenerKind = (typeof LISTENER_KINDS)[number];

export const LISTENER_ROLES = ['primary', 'secondary'] as const;
export type ListenerRole = (typeof LISTENER_ROLES)[number];

/** Fill liquidation marker as sent on the wire (docs/hyperliquid-protocol.md §3.1). */
export interface FillLiquidation {
  readonly liquidatedUser?: string | undefined;
  readonly markPx: string;
  readonly method: string;
}

/**
 * One fill of one tracked account. From `userFills` every field is known; from the `trades`
 * feed (market-stream) `startPosition`, `dir`, `oid`, `fee` and `closedPnl` are null.
 */
export interface FillEvent {
  /** sha256 hex of `user|coin|tid|side`, or the tid==0 fallback; see eventId(). */
  readonly eventId: string;
  readonly user: Address;
  readonly coin: string;
  /** This account's side: B bought, A sold. */
  readonly side: 'B' | 'A';
  readonly px: Decimal;
  readonly sz: Decimal;
  /** Block time in ms; shared by all fills of a block. */
  readonly time: number;
  readonly startPosition: Decimal | null;
  readonly dir: string | null;
  readonly tid: number | null;
  readonly oid: number | null;
  readonly hash: string | null;
  readonly crossed: boolean | null;
  readonly fee: string | null;
  readonly closedPnl: string | null;
  readonly liquidation: FillLiquidation | null;
  readonly twapId: number | null;
  readonly source: EventSource;
}

export interface EventSource {
  /** Stable listener id, e.g. `inf-42/primary`; `backfill` or `replay` for those paths. */
  readonly listenerId: string;
  readonly listenerKind: ListenerKind | 'rest';
  readonly delivery: DeliveryKind;
  /** Local receipt time (ms), for lag/skew and end-to-end latency. */
  readonly receivedAt: number;
}

/** What the ClickHouse raw store keeps for audit and replay (contracts/clickhouse). */
export interface RawEvent {
  readonly influencerId: string;
  readonly user: string;
  readonly market: string;
  /** `fill`, `trade`, `clearinghouseState`, `dead_letter`, ... */
  readonly eventType: string;
  readonly eventId: string;
  readonly listenerId: string;
  /** Exchange time (block time) in ms; 0 when the frame has none. */
  readonly eventTime: number;
  readonly ingestTime: number;
  /** The raw JSON text of the event (one fill, one trade, or a whole frame for dead letters). */
  readonly payload: string;
}

/** Reason codes for dead letters: stable strings, used as a metric label. */
export const DEAD_LETTER_REASONS = [
  'invalid_json',
  'unknown_channel',
  'schema_mismatch',
  'bad_decimal',
  'bad_address',
  'normalization_failed',
  'oversized_frame',
  /** A sink refused a record for good (SINK_RECORD_REJECTED); the payload is that record. */
  'sink_rejected',
  /** An event time beyond now + the allowed clock skew (hyperliquid.maxFutureSkewMs). */
  'future_time',
  /** A value no fill can have: a size or price of zero or below. */
  'impossible_value',
  /** A market name that fails the coin pattern, or is outside the known coin universe. */
  'bad_coin',
  /** A binary WebSocket frame (Hyperliquid sends text); the payload is its bytes in base64. */
  'binary_frame',
  /** A value JSON.stringify cannot write (nested too deep): the one record is refused, not its frame. */
  'unserializable',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export interface DeadLetter {
  readonly reason: DeadLetterReason;
  /** Human-readable detail: which field, what was wrong. */
  readonly detail: string;
  readonly listenerId: string;
  readonly channel: string | null;
  readonly receivedAt: number;
  /** The offending frame text, truncated to a bounded size by the producer. */
  readonly payload: string;
}
