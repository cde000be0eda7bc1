/**
 * Wire -> FillEvent (core/events.ts). The single place decimal strings become Decimal and the
 * event id is computed, so a fill has the same eventId whether `userFills`, `user`, a snapshot,
 * a REST backfill or the market-wide `trades` feed delivered it (docs/hyperliquid-protocol.md §3.3, §13).
 */
import type { Address, EventSource, FillEvent } from '../core/index.js';
import { dec, decStr, eventId, normalizeAddress } from '../core/index.js';
import type { Fill, Trade } from './schemas/fill.js';

/** A validated fill of `user` -> FillEvent. Throws RangeError only on input the schema should have refused. */
export function fillToEvent(user: string, fill: Fill, source: EventSource): FillEvent {
  const addr = normalizeAddress(user);
  const px = dec(fill.px);
  const sz = dec(fill.sz);
  return {
    eventId: eventId({
      user: addr,
      coin: fill.coin,
      side: fill.side,
      tid: fill.tid,
      oid: fill.oid,
      time: fill.time,
      px: decStr(px),
      sz: decStr(sz),
    }),
    user: addr,
    coin: fill.coin,
    side: fill.side,
    px,
    sz,
    time: fill.time,
    startPosition: fill.startPosition === undefined ? null : dec(fill.startPosition),
    dir: fill.dir ?? null,
    tid: fill.tid ?? null,
    oid: fill.oid ?? null,
    hash: fill.hash ?? null,
    crossed: fill.crossed,
    fee: decStr(dec(fill.fee)),
    closedPnl: fill.closedPnl === undefined ? null : decStr(dec(fill.closedPnl)),
    liquidation: fill.liquidation
      ? {
          liquidatedUser: fill.liquidation.liquidatedUser,
          markPx: fill.liquidation.markPx,
          method: fill.liquidation.method,
        }
      : null,
    twapId: fill.twapId ?? null,
    source,
  };
}

/**
 * A `trades` row seen from a tracked address. users = [buyer, seller]: users[0] === u means u
 * bought (B), users[1] === u means u sold (A). A self-trade gives two events (one per side),
 * matching the two rows `userFills` would deliver. `side` on the trade is the taker side, so
 * `crossed` (was u the taker) is derivable; position/fee fields are unknown (null).
 */
export function tradeToEvents(trade: Trade, user: string, source: EventSource): FillEvent[] {
  const addr: Address = normalizeAddress(user);
  const out: FillEvent[] = [];
  const sides: ('B' | 'A')[] = [];
  if (trade.users[0].toLowerCase() === addr) sides.push('B');
  if (trade.users[1].toLowerCase() === addr) sides.push('A');
  if (sides.length === 0) return out;
  const px = dec(trade.px);
  const sz = dec(trade.sz);
  for (const side of sides) {
    out.push({
      eventId: eventId({
        user: addr,
        coin: trade.coin,
        side,
        tid: trade.tid,
        oid: null,
        time: trade.time,
        px: decStr(px),
        sz: decStr(sz),
      }),
      user: addr,
      coin: trade.coin,
      side,
      px,
      sz,
      time: trade.time,
      startPosition: null,
      dir: null,
      tid: trade.tid,
      oid: null,
      hash: trade.hash,
      crossed: trade.side === side,
      fee: null,
      closedPnl: null,
      liquidation: null,
      twapId: null,
      source,
    });
  }
  return out;
}
