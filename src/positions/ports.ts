/**
 * The narrow ports the positions stage needs from the outside world. Concrete clients (the
 * info API, Redis, Kafka, ClickHouse) implement them elsewhere and only the composition root
 * wires them in, so this stage imports none of those libraries.
 */
import type { Decimal, FillEvent, RawEvent } from '../core/index.js';
import type { Signal } from './signal.js';

export interface FillHistoryResult {
  /** Fills of the account in [startMs, endMs] (inclusive, any coin, any order). */
  readonly fills: readonly FillEvent[];
  /**
   * True when the answer cannot be complete: the account's 10 000-fill horizon was reached
   * (docs/hyperliquid-protocol.md §5.3). The adapter paginates the 2 000-per-response cap itself.
   */
  readonly truncated: boolean;
}

/** REST `userFillsByTime`, normalized; fills carry `source.delivery = 'backfill'`. */
export interface FillHistory {
  userFillsByTime(user: string, startMs: number, endMs: number): Promise<FillHistoryResult>;
}

export interface PositionSnapshot {
  /** Signed positions by coin, all perp dexes (main + HIP-3); flat coins may be absent. */
  readonly positions: ReadonlyMap<string, Decimal>;
  /** As-of time of the snapshot in ms (clearinghouseState `time`, or the local request time). */
  readonly time: number;
  /**
   * The perp dexes this snapshot covers ('' = main dex). Absent = all of them. A WS
   * `clearinghouseState` push covers one dex: markets of other dexes must not be read as flat.
   */
  readonly dexes?: readonly string[];
}

/** `clearinghouseState` for every dex of the account (docs/hyperliquid-protocol.md §4). */
export interface PositionSource {
  positions(user: string): Promise<PositionSnapshot>;
}

/** The last processed fill of one (influencer, market). */
export interface Cursor {
  /** Block time (ms) of the last processed fill. */
  readonly time: number;
  /** Event id of the last processed fill ('' when the cursor comes from seeding). */
  readonly eventId: string;
  /** Every event id already processed at `time`, so a backfill overlap is deduped exactly. */
  readonly eventIdsAtTime: readonly string[];
  /** Signed position after it, canonical decimal text. */
  readonly position: string;
}

export interface CursorStore {
  get(influencerId: string, market: string): Promise<Cursor | undefined>;
  set(influencerId: string, market: string, cursor: Cursor): Promise<void>;
  /** All cursors of one influencer, by market. */
  list(influencerId: string): Promise<Map<string, Cursor>>;
  delete(influencerId: string): Promise<void>;
}

/** Where signals go (the Kafka sink in production). The cursor advances only after it resolves. */
export type PublishSignal = (signal: Signal) => Promise<void>;

/** Stored raw events to re-derive signals from (NDJSON file today, ClickHouse later). */
export type RawEventSource = AsyncIterable<RawEvent>;
