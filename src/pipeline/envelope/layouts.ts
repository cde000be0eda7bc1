/**
 * Payload layouts (M0 §4, §10): one deterministic, versioned binary layout per payload type.
 * A layout is data: its fields in canonical order, each with a wire type and, for fixed-point
 * numbers, the decimal scale (value × 10^scale as a signed 64-bit integer). The TypeScript
 * payload types are derived from these tables, so code and layout cannot disagree; the codec
 * (payload-codec.ts) and the golden files in contracts/pipeline/ are generated from them too.
 *
 * Versioning: adding a field at the end is compatible (connector minor bump); removing,
 * renaming, retyping, rescaling or reordering a field is breaking and needs a NEW payload
 * type (TRADE_TICK_V2 …) plus a connector major bump — test/pipeline/envelope/versioning.test.ts
 * enforces this against the committed layouts.
 */

/** Wire types. Integers are big-endian. `str` is u16 length + UTF-8; `addr` 20 bytes; `bytes32` 32. */
export const FIELD_TYPES = [
  'u8',
  'u16',
  'u32',
  'u64',
  'i64',
  'fixed',
  'bool',
  'enum',
  'str',
  'addr',
  'bytes32',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FieldSpec {
  readonly name: string;
  readonly type: FieldType;
  /** `fixed` only: decimal places; the value is stored as round(x × 10^scale) in an i64. */
  readonly scale?: number;
  /** `enum` only: the values, stored as their u8 index. Append-only. */
  readonly values?: readonly string[];
  readonly doc: string;
}

export interface PayloadLayout {
  readonly payloadType: string;
  /** The u16 written in the envelope; unique and never reused. */
  readonly code: number;
  readonly doc: string;
  readonly fields: readonly FieldSpec[];
}

/** Default scales, so every price in the pipeline has the same precision. */
export const PX_SCALE = 8;
export const SZ_SCALE = 8;
export const RATE_SCALE = 12;

const px = <N extends string>(name: N, doc: string) =>
  ({ name, type: 'fixed', scale: PX_SCALE, doc }) as const;
const sz = <N extends string>(name: N, doc: string) =>
  ({ name, type: 'fixed', scale: SZ_SCALE, doc }) as const;

export const TRADE_TICK_V1 = {
  payloadType: 'TRADE_TICK_V1',
  code: 1,
  doc: 'One public trade.',
  fields: [
    px('px', 'Trade price.'),
    sz('sz', 'Trade size (> 0).'),
    { name: 'side', type: 'enum', values: ['BUY', 'SELL'], doc: 'Aggressor side.' },
    { name: 'tradeId', type: 'u64', doc: 'Source trade id (0 when the source has none).' },
  ],
} as const satisfies PayloadLayout;

export const CANDLE_V1 = {
  payloadType: 'CANDLE_V1',
  code: 2,
  doc: 'One OHLCV candle; event_time_ms is the close time.',
  fields: [
    { name: 'intervalMs', type: 'u32', doc: 'Candle length in ms.' },
    { name: 'openTimeMs', type: 'u64', doc: 'Start of the candle (inclusive).' },
    { name: 'closeTimeMs', type: 'u64', doc: 'End of the candle.' },
    px('open', 'Open price.'),
    px('high', 'High price (>= open, close, low).'),
    px('low', 'Low price.'),
    px('close', 'Close price.'),
    sz('volume', 'Base volume (>= 0).'),
    { name: 'trades', type: 'u32', doc: 'Number of trades.' },
    { name: 'final', type: 'bool', doc: 'The candle is closed (false while it is still forming).' },
  ],
} as const satisfies PayloadLayout;

export const BOOK_TOP_V1 = {
  payloadType: 'BOOK_TOP_V1',
  code: 3,
  doc: 'Best bid and ask. A side the book does not have is 0/0 and flags PARTIAL_COVERAGE.',
  fields: [
    px('bidPx', 'Best bid price.'),
    sz('bidSz', 'Size at the best bid.'),
    px('askPx', 'Best ask price.'),
    sz('askSz', 'Size at the best ask.'),
  ],
} as const satisfies PayloadLayout;

export const ASSET_CTX_V1 = {
  payloadType: 'ASSET_CTX_V1',
  code: 4,
  doc: 'Perp asset context: mark, oracle, funding, open interest.',
  fields: [
    px('markPx', 'Mark price.'),
    px('oraclePx', 'Oracle price.'),
    px('midPx', 'Book mid (0 when the book is empty).'),
    { name: 'funding', type: 'fixed', scale: RATE_SCALE, doc: 'Current hourly funding rate.' },
    { name: 'premium', type: 'fixed', scale: RATE_SCALE, doc: 'Premium.' },
    sz('openInterest', 'Open interest in base units.'),
    { name: 'dayNtlVlm', type: 'fixed', scale: PX_SCALE, doc: '24 h notional volume.' },
    px('prevDayPx', 'Price 24 h ago.'),
  ],
} as const satisfies PayloadLayout;

export const INFLUENCER_FILL_V1 = {
  payloadType: 'INFLUENCER_FILL_V1',
  code: 5,
  doc: 'A raw fill of a tracked account, as the influencer ingester received it.',
  fields: [
    { name: 'user', type: 'addr', doc: 'The account.' },
    px('px', 'Fill price.'),
    sz('sz', 'Fill size (> 0).'),
    { name: 'side', type: 'enum', values: ['BUY', 'SELL'], doc: "The account's side." },
    { name: 'tradeId', type: 'u64', doc: 'Hyperliquid tid (0 when missing).' },
    { name: 'orderId', type: 'u64', doc: 'Order id (0 when unknown: trades feed).' },
    {
      name: 'hasAccountDetail',
      type: 'bool',
      doc: 'startPosition, fee and closedPnl are known (userFills).',
    },
    { name: 'startPosition', type: 'fixed', scale: SZ_SCALE, doc: 'Signed position before the fill.' },
    { name: 'fee', type: 'fixed', scale: PX_SCALE, doc: 'Fee paid (negative = rebate).' },
    { name: 'closedPnl', type: 'fixed', scale: PX_SCALE, doc: 'Realised PnL.' },
  ],
} as const satisfies PayloadLayout;

export const INFLUENCER_SIGNAL_V1 = {
  payloadType: 'INFLUENCER_SIGNAL_V1',
  code: 6,
  doc: 'A position signal derived by the influencer ingester (contracts/SIGNALS.md).',
  fields: [
    { name: 'signalId', type: 'bytes32', doc: 'The signal id (hex in TypeScript).' },
    { name: 'influencerId', type: 'str', doc: 'Influencer id.' },
    {
      name: 'action',
      type: 'enum',
      values: ['OPEN', 'CLOSE', 'INCREASE', 'DECREASE', 'FLIP', 'RECONCILE'],
      doc: 'Action.',
    },
    { name: 'side', type: 'enum', values: ['FLAT', 'LONG', 'SHORT'], doc: 'Side of the resulting position.' },
    { name: 'position', type: 'fixed', scale: SZ_SCALE, doc: 'Signed resulting position.' },
    { name: 'deltaSize', type: 'fixed', scale: SZ_SCALE, doc: 'Signed change.' },
    { name: 'hasPrice', type: 'bool', doc: 'price is set (false for RECONCILE).' },
    {
      name: 'price',
      type: 'fixed',
      scale: PX_SCALE,
      doc: 'Average fill price, rounded half-even to the scale.',
    },
    { name: 'fillCount', type: 'u32', doc: 'Fills behind the signal.' },
  ],
} as const satisfies PayloadLayout;

export const EVM_BLOCK_V1 = {
  payloadType: 'EVM_BLOCK_V1',
  code: 7,
  doc: 'One canonical EVM block header as the chain-tip follower saw it; event_time_ms is the block timestamp.',
  fields: [
    { name: 'chainId', type: 'u64', doc: 'EIP-155 chain id.' },
    { name: 'number', type: 'u64', doc: 'Block height.' },
    { name: 'hash', type: 'bytes32', doc: 'Block hash.' },
    { name: 'parentHash', type: 'bytes32', doc: 'Parent block hash.' },
    { name: 'timestampS', type: 'u64', doc: 'Block timestamp in seconds.' },
    { name: 'txCount', type: 'u32', doc: 'Transactions in the block.' },
  ],
} as const satisfies PayloadLayout;

export const EVM_LOG_V1 = {
  payloadType: 'EVM_LOG_V1',
  code: 8,
  doc: "One EVM log of a canonical block that matched the connector's address/topic filter.",
  fields: [
    { name: 'chainId', type: 'u64', doc: 'EIP-155 chain id.' },
    { name: 'blockNumber', type: 'u64', doc: 'Height of the block.' },
    { name: 'blockHash', type: 'bytes32', doc: 'Hash of the block.' },
    { name: 'logIndex', type: 'u32', doc: 'Index of the log in the block.' },
    { name: 'txHash', type: 'bytes32', doc: 'Transaction hash.' },
    { name: 'address', type: 'addr', doc: 'Emitting contract.' },
    { name: 'topics', type: 'str', doc: 'Topics as comma-separated 0x hex (0 to 4).' },
    { name: 'data', type: 'str', doc: 'Data as 0x hex.' },
  ],
} as const satisfies PayloadLayout;

export const EVM_BLOCK_INVALIDATED_V1 = {
  payloadType: 'EVM_BLOCK_INVALIDATED_V1',
  code: 9,
  doc: 'A block the follower emitted earlier left the canonical chain (reorg): consumers drop it and its logs.',
  fields: [
    { name: 'chainId', type: 'u64', doc: 'EIP-155 chain id.' },
    { name: 'number', type: 'u64', doc: 'Height of the orphaned block.' },
    { name: 'hash', type: 'bytes32', doc: 'Hash of the orphaned block.' },
    {
      name: 'replacedBy',
      type: 'bytes32',
      doc: 'Hash of the canonical block now at that height (zero if none yet).',
    },
  ],
} as const satisfies PayloadLayout;

/** Every payload layout, by type name. Append new versions; never edit a published one. */
export const PAYLOAD_LAYOUTS = {
  TRADE_TICK_V1,
  CANDLE_V1,
  BOOK_TOP_V1,
  ASSET_CTX_V1,
  INFLUENCER_FILL_V1,
  INFLUENCER_SIGNAL_V1,
  EVM_BLOCK_V1,
  EVM_LOG_V1,
  EVM_BLOCK_INVALIDATED_V1,
} as const;

export type PayloadType = keyof typeof PAYLOAD_LAYOUTS;
export const PAYLOAD_TYPES = Object.keys(PAYLOAD_LAYOUTS) as PayloadType[];

/** The TypeScript value of one field. u64/i64/fixed are bigint: no float ever touches a price. */
type ValueOf<F> = F extends { type: 'u8' | 'u16' | 'u32' }
  ? number
  : F extends { type: 'u64' | 'i64' | 'fixed' }
    ? bigint
    : F extends { type: 'bool' }
      ? boolean
      : F extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : string;

type FieldsOf<L extends PayloadLayout> = {
  readonly [F in L['fields'][number] as F['name']]: ValueOf<F>;
};

/** The decoded payload of a payload type. */
export type PayloadOf<T extends PayloadType> = FieldsOf<(typeof PAYLOAD_LAYOUTS)[T]>;

export type TradeTickV1 = PayloadOf<'TRADE_TICK_V1'>;
export type CandleV1 = PayloadOf<'CANDLE_V1'>;
export type BookTopV1 = PayloadOf<'BOOK_TOP_V1'>;
export type AssetCtxV1 = PayloadOf<'ASSET_CTX_V1'>;
export type InfluencerFillV1 = PayloadOf<'INFLUENCER_FILL_V1'>;
export type InfluencerSignalV1 = PayloadOf<'INFLUENCER_SIGNAL_V1'>;
export type EvmBlockV1 = PayloadOf<'EVM_BLOCK_V1'>;
export type EvmLogV1 = PayloadOf<'EVM_LOG_V1'>;
export type EvmBlockInvalidatedV1 = PayloadOf<'EVM_BLOCK_INVALIDATED_V1'>;

/** A payload together with its type: the discriminated union connectors produce. */
export type TypedPayload = {
  [T in PayloadType]: { readonly type: T; readonly value: PayloadOf<T> };
}[PayloadType];

const BY_CODE = new Map<number, PayloadType>(PAYLOAD_TYPES.map((t) => [PAYLOAD_LAYOUTS[t].code, t]));

export function payloadTypeOfCode(code: number): PayloadType | undefined {
  return BY_CODE.get(code);
}

export function isPayloadType(s: string): s is PayloadType {
  return Object.hasOwn(PAYLOAD_LAYOUTS, s);
}
