/**
 * The `options` block of the Hyperliquid market-data connector's connector.yaml: endpoints,
 * coins, which feeds, candle intervals and the catch-up tuning. The one place these defaults
 * live; the factory parses the manifest's free-form `options` with it and names any problem.
 */
import { z } from 'zod';
import { CandleInterval } from '../../../protocol/index.js';

export const HL_MAINNET_WS_URL = 'wss://api.hyperliquid.xyz/ws';
export const HL_MAINNET_INFO_URL = 'https://api.hyperliquid.xyz/info';

export const HlMarketOptions = z
  .object({
    wsUrl: z.string().url().default(HL_MAINNET_WS_URL).describe('Hyperliquid WebSocket URL.'),
    infoUrl: z.string().url().default(HL_MAINNET_INFO_URL).describe('Hyperliquid POST /info URL.'),
    coins: z
      .array(z.string().min(1))
      .min(1)
      .describe('Coins as Hyperliquid names them (BTC, xyz:TSLA, @107).'),
    feeds: z
      .object({
        trades: z.boolean().default(true).describe('`trades` → TRADE_TICK_V1.'),
        bbo: z.boolean().default(true).describe('`bbo` → BOOK_TOP_V1.'),
        assetCtx: z.boolean().default(true).describe('`activeAssetCtx` → ASSET_CTX_V1 (perps only).'),
      })
      .strict()
      .prefault({}),
    candles: z
      .object({
        intervals: z
          .array(CandleInterval)
          .default(['1m'])
          .describe('Candle intervals followed per coin (`candle` + candleSnapshot) → CANDLE_V1.'),
        forming: z
          .boolean()
          .default(false)
          .describe('Also emit every in-progress candle update (final=false), not only closed candles.'),
        closeGraceMs: z
          .number()
          .int()
          .nonnegative()
          .default(2_000)
          .describe(
            'A candle counts as closed this long after its close time; a quiet market is then confirmed over REST.',
          ),
        backfillMs: z
          .number()
          .int()
          .nonnegative()
          .default(0)
          .describe('At start, also fetch closed candles from this far back (0 = from the current candle).'),
        retryMs: z
          .number()
          .int()
          .positive()
          .default(5_000)
          .describe('Wait before repeating a failed candleSnapshot catch-up.'),
      })
      .strict()
      .prefault({}),
    heartbeat: z
      .object({
        pingIntervalMs: z.number().int().positive().default(30_000),
        pongTimeoutMs: z.number().int().positive().default(10_000),
      })
      .strict()
      .prefault({}),
    stallTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(90_000)
      .describe('No inbound frame for this long → reconnect.'),
    reconnect: z
      .object({
        initialDelayMs: z.number().int().positive().default(500),
        maxDelayMs: z.number().int().positive().default(30_000),
        factor: z.number().min(1).default(2),
        jitter: z.number().min(0).max(1).default(0.3),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type HlMarketOptions = z.output<typeof HlMarketOptions>;
