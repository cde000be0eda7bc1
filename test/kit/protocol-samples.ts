/**
 * Hyperliquid's documented `userFills` example (docs: WebSocket subscriptions, WsFill), as the
 * exchange sends it: the one real-shaped fill the protocol, simulator and connector tests start
 * from (16 decimal places of startPosition, `feeToken`, a null `twapId`).
 */
export const DOC_FILL = {
  coin: 'USUAL',
  px: '0.01152',
  sz: '1052.9',
  side: 'A',
  time: 1788490193264,
  startPosition: '-3695042.8999999999',
  dir: 'Open Short',
  closedPnl: '0.0',
  hash: '0xf5be271fb859cdd4f7370443a320840104010105535ceca79986d272775da7bf',
  oid: 535618784464,
  crossed: true,
  fee: '0.0',
  tid: 691079299625582,
  feeToken: 'USDC',
  twapId: null,
} as const;
