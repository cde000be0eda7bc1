/**
 * Wire shapes the simulator produces (its own definitions: the simulator must not import the
 * client protocol layer it is meant to validate). Field order follows the recorded samples.
 */
import type { Address } from '../core/index.js';

export const ZERO_HASH = '0x' + '0'.repeat(64);

export interface WireLiquidation {
  liquidatedUser: string;
  markPx: string;
  method: 'market' | 'backstop';
}

export interface WireFill {
  coin: string;
  px: string;
  sz: string;
  side: 'B' | 'A';
  time: number;
  startPosition: string;
  dir: string;
  closedPnl: string;
  hash: string;
  oid: number;
  crossed: boolean;
  fee: string;
  tid: number;
  cloid?: string;
  liquidation?: WireLiquidation;
  feeToken: string;
  twapId: number | null;
}

export interface TapeTrade {
  coin: string;
  side: 'B' | 'A';
  px: string;
  sz: string;
  time: number;
  hash: string;
  tid: number;
  users: [string, string];
}

export interface TwapSliceFill {
  fill: WireFill;
  twapId: number;
}

export interface WsLiquidationEvent {
  lid: number;
  liquidator: string;
  liquidated_user: string;
  liquidated_ntl_pos: string;
  liquidated_account_value: string;
}

export interface WsOrderUpdate {
  order: {
    coin: string;
    side: 'B' | 'A';
    limitPx: string;
    sz: string;
    oid: number;
    timestamp: number;
    origSz: string;
    cloid?: string;
  };
  status: string;
  statusTimestamp: number;
}

/** Everything one block produced, in production order (the order fills chain in). */
export interface Block {
  height: number;
  time: number;
  fills: { user: Address; fill: WireFill }[];
  trades: TapeTrade[];
  twapSlices: { user: Address; slice: TwapSliceFill }[];
  liquidations: { user: Address; event: WsLiquidationEvent }[];
  orderUpdates: { user: Address; update: WsOrderUpdate }[];
  /** Users whose position changed, with the perp dexes touched ('' main, 'xyz', ...). */
  changed: Map<Address, Set<string>>;
}

/** One OHLCV candle as `candle` pushes and `candleSnapshot` returns it (decimals as strings). */
export interface WireCandle {
  /** Open time (ms, inclusive). */
  t: number;
  /** Close time (ms, inclusive: next open - 1). */
  T: number;
  s: string;
  i: string;
  o: string;
  c: string;
  h: string;
  l: string;
  /** Base-unit volume. */
  v: string;
  /** Number of trades. */
  n: number;
}

export interface WireLevel {
  px: string;
  sz: string;
  n: number;
}

/** `bbo` data: best bid then best ask; a side is null when the book side is empty. */
export interface WireBbo {
  coin: string;
  time: number;
  bbo: [WireLevel | null, WireLevel | null];
}

/** `activeAssetCtx` ctx of a perp (field order of the recorded samples). */
export interface WirePerpCtx {
  funding: string;
  openInterest: string;
  prevDayPx: string;
  dayNtlVlm: string;
  premium: string;
  oraclePx: string;
  markPx: string;
  midPx: string;
  impactPxs: [string, string];
  dayBaseVlm: string;
}

/** `activeSpotAssetCtx` ctx (spot pairs and outcome markets). */
export interface WireSpotCtx {
  prevDayPx: string;
  dayNtlVlm: string;
  markPx: string;
  midPx: string;
  circulatingSupply: string;
  coin: string;
  totalSupply: string;
  dayBaseVlm: string;
}
