/**
 * Market naming (docs/hyperliquid-protocol.md §8): main perps are bare names (`BTC`), HIP-3 perps are
 * `dex:SYMBOL`, spot is `@N` or `BASE/QUOTE`, outcome markets are `#N`. Which classes produce
 * signals is configuration; this is the single classifier.
 */
export const MARKET_CLASSES = ['perp', 'hip3', 'spot', 'outcome'] as const;
export type MarketClass = (typeof MARKET_CLASSES)[number];

export function marketClass(coin: string): MarketClass {
  if (coin.startsWith('#') || coin.startsWith('+')) return 'outcome';
  if (coin.startsWith('@') || coin.includes('/')) return 'spot';
  if (coin.includes(':')) return 'hip3';
  return 'perp';
}

/** The HIP-3 dex of a coin (`xyz` for `xyz:TSLA`), or '' for the main dex. */
export function dexOf(coin: string): string {
  const i = coin.indexOf(':');
  return i > 0 && marketClass(coin) === 'hip3' ? coin.slice(0, i) : '';
}
