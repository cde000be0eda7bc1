/**
 * Schemas of the `POST /info` responses we use (docs/hyperliquid-protocol.md §4, §6, §8). Fill arrays
 * share the WS fill schema; `meta` / `perpDexs` / `spotMeta` are strict only on the names we
 * use to enumerate the `trades` universe.
 */
import { z } from 'zod';
import { Fill } from './fill.js';

export { ClearinghouseState } from './state.js';
export { CandleSnapshotResponse, RecentTradesResponse } from './market.js';

export const UserFillsResponse = z.array(Fill);
export type UserFillsResponse = z.infer<typeof UserFillsResponse>;

/** Rows are validated one by one by FillGuard in ../info/pagination.ts: one bad fill does not sink a page. */
export const UserFillsByTimeResponse = z.array(z.unknown());
export type UserFillsByTimeResponse = z.infer<typeof UserFillsByTimeResponse>;

export const PerpAsset = z.looseObject({
  /** Main-dex perps are bare (`BTC`); HIP-3 dex metas already carry the prefix (`xyz:TSLA`). */
  name: z.string().min(1),
  szDecimals: z.int().nonnegative(),
  maxLeverage: z.number().optional(),
  onlyIsolated: z.boolean().optional(),
  isDelisted: z.boolean().optional(),
});
export type PerpAsset = z.infer<typeof PerpAsset>;

export const MetaResponse = z.looseObject({ universe: z.array(PerpAsset) });
export type MetaResponse = z.infer<typeof MetaResponse>;

/** `perpDexs[0]` is null (the main dex); the others name HIP-3 dexes. */
export const PerpDex = z.looseObject({
  name: z.string().min(1),
  fullName: z.string().optional(),
  deployer: z.string().optional(),
});
export type PerpDex = z.infer<typeof PerpDex>;

export const PerpDexsResponse = z.array(PerpDex.nullable());
export type PerpDexsResponse = z.infer<typeof PerpDexsResponse>;

export const SpotPair = z.looseObject({
  /** `PURR/USDC` or `@N`: the coin name used by fills and `trades`. */
  name: z.string().min(1),
  tokens: z.tuple([z.int().nonnegative(), z.int().nonnegative()]),
  index: z.int().nonnegative(),
  isCanonical: z.boolean().optional(),
});
export type SpotPair = z.infer<typeof SpotPair>;

export const SpotToken = z.looseObject({
  name: z.string().min(1),
  szDecimals: z.int().nonnegative(),
  weiDecimals: z.int().nonnegative().optional(),
  index: z.int().nonnegative(),
  tokenId: z.string().optional(),
});
export type SpotToken = z.infer<typeof SpotToken>;

export const SpotMetaResponse = z.looseObject({ universe: z.array(SpotPair), tokens: z.array(SpotToken) });
export type SpotMetaResponse = z.infer<typeof SpotMetaResponse>;
