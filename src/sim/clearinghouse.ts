/**
 * `clearinghouseState` as the exchange reports it, per perp dex: only non-zero perp positions of
 * that dex (spot and outcome balances never appear), `szi` signed, margin summaries computed
 * from mark prices. Served by POST /info and by the clearinghouseState WS feeds.
 */
import { Decimal, ZERO, dexOf, marketClass, type Address } from '../core/index.js';
import type { Ledger } from './ledger.js';
import { isPerpClass, marketOf, round, wire } from './markets.js';

/** Starting collateral every simulated account has (account value = this + realized PnL). */
const START_COLLATERAL = new Decimal(1_000_000);
const LEVERAGE = 10;

export function clearinghouseState(
  ledger: Ledger,
  user: Address,
  dex: string,
  mark: (coin: string) => Decimal,
  now: number,
): unknown {
  const assetPositions: unknown[] = [];
  let ntl = ZERO;
  let margin = ZERO;
  let upnlSum = ZERO;
  let realized = ZERO;
  for (const [coin, p] of ledger.positions(user)) {
    const cls = marketClass(coin);
    if (!isPerpClass(cls) || dexOf(coin) !== dex) continue;
    const px = mark(coin);
    const value = p.szi.abs().times(px);
    const upnl = p.szi.times(px.minus(p.entryPx));
    const used = value.dividedBy(LEVERAGE);
    ntl = ntl.plus(value);
    margin = margin.plus(used);
    upnlSum = upnlSum.plus(upnl);
    realized = realized.plus(p.realizedPnl);
    const maxLev = marketOf(coin)?.maxLeverage ?? 20;
    const liqPx = p.entryPx.times(p.szi.isPositive() ? 1 - 0.9 / LEVERAGE : 1 + 0.9 / LEVERAGE);
    assetPositions.push({
      position: {
        coin,
        cumFunding: { allTime: '0.0', sinceChange: '0.0', sinceOpen: '0.0' },
        entryPx: wire(round(p.entryPx, 6)),
        leverage: { type: 'cross', value: LEVERAGE },
        liquidationPx: wire(round(liqPx, 6)),
        marginUsed: wire(round(used, 6)),
        maxLeverage: maxLev,
        positionValue: wire(round(value, 6)),
        returnOnEquity: used.isZero() ? '0.0' : wire(round(upnl.dividedBy(used), 7)),
        szi: wire(p.szi),
        unrealizedPnl: wire(round(upnl, 6)),
      },
      type: 'oneWay',
    });
  }
  const accountValue = wire(round(START_COLLATERAL.plus(upnlSum).plus(realized), 6));
  const summary = {
    accountValue,
    totalNtlPos: wire(round(ntl, 6)),
    totalRawUsd: wire(round(START_COLLATERAL.plus(realized), 6)),
    totalMarginUsed: wire(round(margin, 6)),
  };
  return {
    marginSummary: summary,
    crossMarginSummary: summary,
    crossMaintenanceMarginUsed: wire(round(margin.dividedBy(2), 6)),
    withdrawable: wire(round(START_COLLATERAL.plus(upnlSum).plus(realized).minus(margin), 6)),
    assetPositions,
    time: now,
  };
}
