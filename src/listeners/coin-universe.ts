/**
 * The `trades` coin universe of market-stream listeners (docs/hyperliquid-protocol.md §13): every
 * listed main-dex perp (`meta`), every HIP-3 dex's perps (`perpDexs` + `meta {dex}`, names
 * already prefixed `dex:COIN`), optionally spot pairs (`spotMeta`), plus configured extras
 * (outcome markets no meta lists). New listings appear over time, so `refresh()` returns what
 * to subscribe and unsubscribe; a failed refresh keeps the last good universe.
 */
import type { InfoClient } from '../protocol/index.js';

export interface CoinUniverseOptions {
  readonly includeSpot?: boolean;
  readonly extraCoins?: readonly string[];
}

export async function fetchCoinUniverse(
  info: Pick<InfoClient, 'meta' | 'perpDexs' | 'spotMeta'>,
  opts: CoinUniverseOptions = {},
): Promise<string[]> {
  const coins = new Set<string>();
  const addPerps = (universe: readonly { name: string; isDelisted?: boolean | undefined }[]): void => {
    for (const a of universe) if (a.isDelisted !== true) coins.add(a.name);
  };
  const [main, dexes] = await Promise.all([info.meta(), info.perpDexs()]);
  addPerps(main.universe);
  const named = dexes.filter((d): d is NonNullable<typeof d> => d !== null).map((d) => d.name);
  const metas = await Promise.all(named.map((dex) => info.meta(dex)));
  for (const m of metas) addPerps(m.universe);
  if (opts.includeSpot) {
    const spot = await info.spotMeta();
    for (const p of spot.universe) coins.add(p.name);
  }
  for (const c of opts.extraCoins ?? []) coins.add(c);
  return [...coins].sort();
}

export class CoinUniverse {
  private coins: string[] = [];
  private set = new Set<string>();

  constructor(
    private readonly info: Pick<InfoClient, 'meta' | 'perpDexs' | 'spotMeta'>,
    private readonly opts: CoinUniverseOptions = {},
  ) {}

  list(): readonly string[] {
    return this.coins;
  }

  has(coin: string): boolean {
    return this.set.has(coin);
  }

  /** Fetches the universe; returns the coins to add and remove relative to the last good one. */
  async refresh(): Promise<{ added: string[]; removed: string[] }> {
    const next = await fetchCoinUniverse(this.info, this.opts);
    const before = new Set(this.coins);
    const after = new Set(next);
    this.coins = next;
    this.set = after;
    return {
      added: next.filter((c) => !before.has(c)),
      removed: [...before].filter((c) => !after.has(c)),
    };
  }
}
