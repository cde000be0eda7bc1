/**
 * The simulated market universe: a few main-dex perps, one HIP-3 dex (`xyz`), two spot pairs
 * (`@107` = HYPE/USDC and `PURR/USDC`) and one outcome market (`#118440`), with the info
 * responses that describe them (`meta`, `perpDexs`, `spotMeta`) and the wire decimal format.
 */
import { Decimal, type MarketClass } from '../core/index.js';

export interface Market {
  readonly coin: string;
  readonly cls: MarketClass;
  /** HIP-3 dex name, '' for the main dex (and for spot/outcome, which are not perp dexes). */
  readonly dex: string;
  readonly szDecimals: number;
  /** Smallest size step the engine trades (sizes are whole multiples of it, so sums stay exact). */
  readonly lot: string;
  readonly startPx: string;
  readonly pxDecimals: number;
  readonly maxLeverage: number;
  /** Spot base token (fees on spot buys are charged in it). */
  readonly baseToken?: string;
}

export const MARKETS: readonly Market[] = [
  {
    coin: 'BTC',
    cls: 'perp',
    dex: '',
    szDecimals: 5,
    lot: '0.001',
    startPx: '72000',
    pxDecimals: 0,
    maxLeverage: 40,
  },
  {
    coin: 'ETH',
    cls: 'perp',
    dex: '',
    szDecimals: 4,
    lot: '0.01',
    startPx: '3500',
    pxDecimals: 1,
    maxLeverage: 25,
  },
  {
    coin: 'SOL',
    cls: 'perp',
    dex: '',
    szDecimals: 2,
    lot: '0.1',
    startPx: '150',
    pxDecimals: 2,
    maxLeverage: 20,
  },
  {
    coin: 'xyz:TSLA',
    cls: 'hip3',
    dex: 'xyz',
    szDecimals: 3,
    lot: '0.01',
    startPx: '250',
    pxDecimals: 2,
    maxLeverage: 10,
  },
  {
    coin: 'xyz:NVDA',
    cls: 'hip3',
    dex: 'xyz',
    szDecimals: 3,
    lot: '0.01',
    startPx: '180',
    pxDecimals: 2,
    maxLeverage: 10,
  },
  {
    coin: '@107',
    cls: 'spot',
    dex: '',
    szDecimals: 2,
    lot: '0.1',
    startPx: '30',
    pxDecimals: 3,
    maxLeverage: 1,
    baseToken: 'HYPE',
  },
  {
    coin: 'PURR/USDC',
    cls: 'spot',
    dex: '',
    szDecimals: 0,
    lot: '10',
    startPx: '0.2',
    pxDecimals: 5,
    maxLeverage: 1,
    baseToken: 'PURR',
  },
  {
    coin: '#118440',
    cls: 'outcome',
    dex: '',
    szDecimals: 0,
    lot: '1',
    startPx: '0.5',
    pxDecimals: 3,
    maxLeverage: 1,
  },
];

export const PERP_DEXES: readonly string[] = ['', 'xyz'];

const BY_COIN = new Map(MARKETS.map((m) => [m.coin, m]));

export function marketOf(coin: string): Market | undefined {
  return BY_COIN.get(coin);
}

export function isPerpClass(cls: MarketClass): boolean {
  return cls === 'perp' || cls === 'hip3';
}

/** Hyperliquid's decimal text: no exponent, integers keep one decimal ("0.0", "66653.0"). */
export function wire(d: Decimal): string {
  if (d.isZero()) return '0.0';
  const s = d.toFixed();
  return s.includes('.') ? s : `${s}.0`;
}

export function round(d: Decimal, dp: number): Decimal {
  return d.toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN);
}

/** `POST /info {"type":"meta","dex":…}`: HIP-3 names already carry the dex prefix. */
export function metaResponse(dex: string): unknown {
  return {
    universe: MARKETS.filter((m) => isPerpClass(m.cls) && m.dex === dex).map((m) => ({
      name: m.coin,
      szDecimals: m.szDecimals,
      maxLeverage: m.maxLeverage,
      marginTableId: m.maxLeverage,
    })),
    marginTables: [],
    collateralToken: 0,
  };
}

/** `perpDexs`: index 0 is null (the main dex), then each HIP-3 dex. */
export function perpDexsResponse(): unknown {
  return [
    null,
    {
      name: 'xyz',
      fullName: 'XYZ (simulated builder dex)',
      deployer: '0x' + '88'.repeat(20),
      oracleUpdater: null,
      feeRecipient: null,
      assetToStreamingOiCap: [],
    },
  ];
}

/** `spotMeta`: only the simulated pairs; their `index` fields carry the real pair indexes. */
export function spotMetaResponse(): unknown {
  const token = (name: string, index: number, szDecimals: number): unknown => ({
    name,
    szDecimals,
    weiDecimals: 8,
    index,
    tokenId: '0x' + index.toString(16).padStart(32, '0'),
    isCanonical: index < 2,
    evmContract: null,
    fullName: null,
  });
  return {
    tokens: [token('USDC', 0, 8), token('PURR', 1, 0), token('HYPE', 150, 2)],
    universe: [
      { name: 'PURR/USDC', tokens: [1, 0], index: 0, isCanonical: true },
      { name: '@107', tokens: [150, 0], index: 107, isCanonical: false },
    ],
  };
}
