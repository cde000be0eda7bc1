import { describe, expect, it } from 'vitest';
import { must } from './must.js';
import { DOC_FILL } from '../kit/index.js';
import { decStr, eventId } from '../../src/core/index.js';
import type { EventSource } from '../../src/core/index.js';
import { Fill, Trade, fillToEvent, tradeToEvents } from '../../src/protocol/index.js';

const src: EventSource = { listenerId: 'l', listenerKind: 'user-stream', delivery: 'live', receivedAt: 1 };
const BUYER = '0x9b54264d7502f80163ea949038aad771eae67e38';
const SELLER = '0x706bb519b05b7dc01d048af9a5e29d1ef5d6d9e3';
const trade = Trade.parse({
  coin: 'BTC',
  side: 'B',
  px: '72581.0',
  sz: '0.00017',
  time: 1787259217020,
  hash: '0x0000000000000000000000000000000000000000000000000000000000000000',
  tid: 877707108085800,
  users: [BUYER, SELLER],
});

describe('fillToEvent', () => {
  it('parses amounts exactly, lower-cases the user and computes the eventId', () => {
    // The documented fill without its feeToken, and with a short hash.
    const { feeToken: _feeToken, ...documented } = DOC_FILL;
    const fill = Fill.parse({ ...documented, hash: '0xf5' });
    const e = fillToEvent('0x31CA8395CF837DE08B24DA3F660E77761DFB974B', fill, src);
    expect(e.user).toBe('0x31ca8395cf837de08b24da3f660e77761dfb974b');
    expect(decStr(must(e.startPosition))).toBe('-3695042.8999999999');
    expect(e.fee).toBe('0');
    expect(e.closedPnl).toBe('0');
    expect(e.eventId).toBe(
      eventId({ user: e.user, coin: 'USUAL', side: 'A', tid: 691079299625582, time: 0, px: '', sz: '' }),
    );
  });

  it('uses canonical px/sz in the tid-0 fallback so "1.50" and "1.5" give one id', () => {
    const base = { coin: '@142', side: 'A' as const, time: 5, crossed: true, fee: '0.0', tid: 0, oid: 9 };
    const a = fillToEvent(BUYER, Fill.parse({ ...base, px: '1.50', sz: '2.0' }), src);
    const b = fillToEvent(BUYER, Fill.parse({ ...base, px: '1.5', sz: '2' }), src);
    expect(a.eventId).toBe(b.eventId);
  });
});

describe('tradeToEvents', () => {
  it('buyer gets B, seller gets A; crossed follows the taker side', () => {
    const [b] = tradeToEvents(trade, BUYER, src);
    const [a] = tradeToEvents(trade, SELLER.toUpperCase().replace('0X', '0x'), src);
    expect(b?.side).toBe('B');
    expect(b?.crossed).toBe(true);
    expect(a?.side).toBe('A');
    expect(a?.crossed).toBe(false);
    expect(a?.startPosition).toBeNull();
    expect(a?.oid).toBeNull();
    expect(a?.fee).toBeNull();
    expect(tradeToEvents(trade, '0x' + '1'.repeat(40), src)).toEqual([]);
  });

  it('a self-trade gives both sides', () => {
    const self = Trade.parse({ ...trade, users: [BUYER, BUYER] });
    expect(tradeToEvents(self, BUYER, src).map((e) => e.side)).toEqual(['B', 'A']);
  });

  it('the same fill via userFills and via trades has the same eventId', () => {
    // The seller's userFills row for this match (same tid, user side A).
    const fill = Fill.parse({
      coin: 'BTC',
      px: '72581.0',
      sz: '0.00017',
      side: 'A',
      time: 1787259217020,
      startPosition: '0.5',
      dir: 'Close Long',
      closedPnl: '1.2',
      hash: trade.hash,
      oid: 123,
      crossed: false,
      fee: '0.01',
      tid: 877707108085800,
      twapId: null,
    });
    const viaFills = fillToEvent(SELLER, fill, src);
    const [viaTrades] = tradeToEvents(trade, SELLER, { ...src, listenerKind: 'market-stream' });
    expect(viaTrades?.eventId).toBe(viaFills.eventId);
    // and the buyer's is different
    expect(tradeToEvents(trade, BUYER, src)[0]?.eventId).not.toBe(viaFills.eventId);
  });
});
