/**
 * Server frames, built in one place so every channel has the exact envelope the real server
 * sends: `{channel, data}`, acks echoing the normalized subscription, `pong` without `data`,
 * error strings, snapshots tagged `isSnapshot:true` and live pushes without the field.
 */
import { dec, marketClass } from '../core/index.js';
import { dirOf } from './ledger.js';
import { round, wire } from './markets.js';
import type { NormalizedSub } from './subscriptions.js';
import type { CtxFrameData } from './market-data.js';
import type {
  TapeTrade,
  TwapSliceFill,
  WireBbo,
  WireCandle,
  WireFill,
  WsLiquidationEvent,
  WsOrderUpdate,
} from './types.js';

export interface Frame {
  channel: string;
  data?: unknown;
}

/** Channels that carry market/user data (fault mutations apply only to these). */
export const CONTROL_CHANNELS: ReadonlySet<string> = new Set(['subscriptionResponse', 'pong', 'error']);

export const pong = (): Frame => ({ channel: 'pong' });
export const errorFrame = (message: string): Frame => ({ channel: 'error', data: message });
export const ack = (method: 'subscribe' | 'unsubscribe', subscription: NormalizedSub): Frame => ({
  channel: 'subscriptionResponse',
  data: { method, subscription },
});

export const userFillsFrame = (user: string, fills: WireFill[], snapshot: boolean): Frame => ({
  channel: 'userFills',
  data: snapshot ? { isSnapshot: true, user, fills } : { user, fills },
});

export const userEventFills = (fills: WireFill[]): Frame => ({ channel: 'user', data: { fills } });
export const userEventLiquidation = (liquidation: WsLiquidationEvent): Frame => ({
  channel: 'user',
  data: { liquidation },
});
export const orderUpdatesFrame = (updates: WsOrderUpdate[]): Frame => ({
  channel: 'orderUpdates',
  data: updates,
});
export const tradesFrame = (trades: TapeTrade[]): Frame => ({ channel: 'trades', data: trades });

/** One candle object per push (the docs type `data` as an array; the wire carries one object). */
export const candleFrame = (candle: WireCandle): Frame => ({ channel: 'candle', data: candle });
export const bboFrame = (bbo: WireBbo): Frame => ({ channel: 'bbo', data: bbo });
export const assetCtxFrame = (ctx: CtxFrameData): Frame => ({ channel: ctx.channel, data: ctx.data });

export const twapSliceFrame = (user: string, twapSliceFills: TwapSliceFill[], snapshot: boolean): Frame => ({
  channel: 'userTwapSliceFills',
  data: snapshot ? { isSnapshot: true, user, twapSliceFills } : { user, twapSliceFills },
});

export const clearinghouseFrame = (user: string, dex: string, state: unknown): Frame => ({
  channel: 'clearinghouseState',
  data: { dex, user, clearinghouseState: state },
});

export const allDexsFrame = (user: string, states: [string, unknown][]): Frame => ({
  channel: 'allDexsClearinghouseState',
  data: { user, clearinghouseStates: states },
});

/**
 * `aggregateByTime:true`: the partial fills of one crossing order in one block become one row
 * (size summed, price volume-weighted, fees and PnL summed, first fill's startPosition and
 * tid). Maker fills are not combined. Input order is preserved otherwise.
 */
export function aggregateByTime(fills: readonly WireFill[]): WireFill[] {
  const out: WireFill[] = [];
  const index = new Map<string, number>();
  for (const f of fills) {
    const key = `${f.oid}|${f.time}|${f.coin}`;
    const at = f.crossed ? index.get(key) : undefined;
    if (at === undefined) {
      if (f.crossed) index.set(key, out.length);
      out.push({ ...f });
      continue;
    }
    const a = out[at] as WireFill;
    const sz = dec(a.sz).plus(dec(f.sz));
    const ntl = dec(a.px)
      .times(dec(a.sz))
      .plus(dec(f.px).times(dec(f.sz)));
    const start = dec(a.startPosition);
    const end = a.side === 'B' ? start.plus(sz) : start.minus(sz);
    a.px = wire(round(ntl.dividedBy(sz), 8));
    a.sz = wire(sz);
    a.fee = wire(dec(a.fee).plus(dec(f.fee)));
    a.closedPnl = wire(dec(a.closedPnl).plus(dec(f.closedPnl)));
    if (!a.dir.startsWith('Liquidated') && a.dir !== 'Settlement')
      a.dir = dirOf(marketClass(a.coin), start, end, a.side);
  }
  return out;
}
