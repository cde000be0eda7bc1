/**
 * Config sections for the ingest side of the pipeline: the Hyperliquid connection (URLs, per-IP
 * limits, heartbeat, reconnect, egress pools), the event source, where influencers come from,
 * listeners, fan-in and positions. Every field carries its description and its default here,
 * and only here: config/README.md and config/default.yaml are generated from these schemas.
 */
import { z } from 'zod';
import { LISTENER_KINDS, MARKET_CLASSES } from '../core/index.js';

const int = (): z.ZodNumber => z.number().int();
const ms = (): z.ZodNumber => z.number().int().min(0);

/** Endpoints per network (docs/hyperliquid-protocol.md §1.1). `custom` requires both URLs. */
export const NETWORK_URLS = {
  mainnet: { wsUrl: 'wss://api.hyperliquid.xyz/ws', infoUrl: 'https://api.hyperliquid.xyz/info' },
  testnet: {
    wsUrl: 'wss://api.hyperliquid-testnet.xyz/ws',
    infoUrl: 'https://api.hyperliquid-testnet.xyz/info',
  },
} as const;

const WsUrl = z.url({ protocol: /^wss?$/, error: 'expected a ws:// or wss:// URL' });
const HttpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });
const ProxyUrl = z.url({
  protocol: /^(https?|socks[45]?h?)$/,
  error: 'expected an http://, https:// or socks[4|5][h]:// proxy URL',
});

/**
 * Per-IP limits (docs/hyperliquid-protocol.md §5). The server enforces them per egress IP, so each egress
 * pool may override them; the planner and the budget never exceed them.
 */
function limitsShape(defaults: boolean) {
  const f = (schema: z.ZodNumber, def: number, text: string) =>
    defaults ? schema.default(def).describe(text) : schema.optional().describe(text);
  return {
    users: f(
      int().min(1),
      10,
      'Unique users across user-specific subscriptions (documented cap 10; servers have allowed 14-15, an undocumented allowance).',
    ),
    connections: f(int().min(1), 10, 'Simultaneous WebSocket connections.'),
    newConnectionsPerMinute: f(
      int().min(1),
      30,
      'New WebSocket connections per minute (reconnect loops trip it).',
    ),
    subscriptions: f(int().min(1), 1000, 'Subscriptions across all connections.'),
    messagesPerMinute: f(
      int().min(1),
      2000,
      'Messages sent to Hyperliquid per minute, all connections (includes pings and resubscribes).',
    ),
    infoWeightPerMinute: f(int().min(1), 1200, 'REST /info weight budget per minute.'),
    inflightPosts: f(int().min(1), 100, 'Simultaneous in-flight post requests over WebSocket.'),
  };
}

export const HyperliquidLimits = z.object(limitsShape(true)).strict();
export type HyperliquidLimits = z.infer<typeof HyperliquidLimits>;

export const EgressPool = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected a short slug (a-z, 0-9, _ and -)')
      .describe('Pool name, used in logs and metric labels.'),
    proxyUrl: ProxyUrl.optional().describe(
      'Proxy for this pool (http, https or socks URL); absent = direct connection.',
    ),
    localAddress: z
      .union([z.ipv4(), z.ipv6()])
      .optional()
      .describe('Local source IP to bind (for hosts with several public IPs).'),
    limits: z
      .object(limitsShape(false))
      .strict()
      .prefault({})
      .describe('Per-pool overrides of hyperliquid.limits; unset fields inherit.'),
  })
  .strict();
export type EgressPool = z.infer<typeof EgressPool>;

export const HyperliquidConfig = z
  .object({
    network: z
      .enum(['mainnet', 'testnet', 'custom'])
      .default('mainnet')
      .describe('Which Hyperliquid network; picks default URLs. `custom` requires wsUrl and infoUrl.'),
    wsUrl: WsUrl.optional().describe(
      'WebSocket URL. Default per network: wss://api.hyperliquid.xyz/ws (mainnet), wss://api.hyperliquid-testnet.xyz/ws (testnet).',
    ),
    infoUrl: HttpUrl.optional().describe(
      'REST info URL. Default per network: https://api.hyperliquid.xyz/info (mainnet), https://api.hyperliquid-testnet.xyz/info (testnet).',
    ),
    limits: HyperliquidLimits.prefault({}).describe('Per-IP limits the client never exceeds.'),
    heartbeat: z
      .object({
        pingIntervalMs: int()
          .min(1000)
          .max(50_000)
          .default(30_000)
          .describe('Ping cadence. The server drops a connection idle for 60 s, so at most 50 s.'),
        pongTimeoutMs: int()
          .min(100)
          .default(10_000)
          .describe('A connection with no pong within this is treated as half-open and replaced.'),
      })
      .strict()
      .prefault({})
      .describe('Heartbeat: the only reliable detector of a half-open TCP connection.'),
    stallTimeoutMs: int()
      .min(1000)
      .default(45_000)
      .describe('No frame at all (pongs included) for this long marks a listener stalled.'),
    maxFutureSkewMs: int()
      .min(0)
      .max(3_600_000)
      .default(60_000)
      .describe(
        'Fills and trades stamped later than now + this are dead-lettered (future_time) and never reach positions or cursors.',
      ),
    maxFrameBytes: int()
      .min(65_536)
      .max(256 * 1024 * 1024)
      .default(16 * 1024 * 1024)
      .describe(
        'Largest inbound WebSocket frame; ws refuses a longer one as it arrives (closes 1009, reconnects): dead letter oversized_frame.',
      ),
    reconnect: z
      .object({
        initialDelayMs: ms().default(500).describe('First reconnect delay.'),
        maxDelayMs: ms().default(30_000).describe('Cap on one reconnect delay.'),
        factor: z.number().min(1).default(2).describe('Delay growth per failed attempt.'),
        jitter: z.number().min(0).max(1).default(0.5).describe('0 = none, 1 = full jitter.'),
      })
      .strict()
      .prefault({})
      .describe('Reconnect backoff; keep it slow enough for newConnectionsPerMinute.'),
    resubscribe: z
      .object({
        intervalMs: ms()
          .default(50)
          .describe('Gap between subscribe messages when (re)subscribing, to stay under messagesPerMinute.'),
        burst: int()
          .min(1)
          .default(20)
          .describe('Subscribe messages sent back-to-back before pacing starts.'),
      })
      .strict()
      .prefault({})
      .describe('Resubscribe pacing after a reconnect.'),
    egressPools: z
      .array(EgressPool)
      .min(1)
      .prefault([{ name: 'direct' }])
      .describe('Egress pools: each is one public IP with its own per-IP budget.'),
  })
  .strict();
export type HyperliquidConfig = z.infer<typeof HyperliquidConfig>;

export const SourceConfig = z
  .object({
    kind: z
      .enum(['simulator', 'hyperliquid'])
      .default('simulator')
      .describe('Where events come from: the embedded simulator or real Hyperliquid.'),
    simulator: z
      .object({
        seed: int().default(1).describe('Random seed: the same seed replays the same market.'),
        accounts: int().min(1).max(1000).default(8).describe('Number of simulated trader accounts.'),
        tickMs: int().min(1).default(250).describe('Simulated block interval.'),
        host: z.string().default('127.0.0.1').describe('Interface the simulator listens on.'),
        port: int().min(0).max(65535).default(0).describe('Simulator port; 0 = any free port.'),
      })
      .strict()
      .prefault({})
      .describe('Embedded simulator settings (used when kind is simulator).'),
  })
  .strict();
export type SourceConfig = z.infer<typeof SourceConfig>;

export const InfluencersConfig = z
  .object({
    source: z
      .enum(['redis', 'file', 'simulator'])
      .default('simulator')
      .describe(
        "Where the tracked influencers come from: Redis (ops CLI), a YAML/JSON file, or the simulator's accounts.",
      ),
    file: z.string().min(1).optional().describe('Influencer list file (YAML or JSON) when source is file.'),
    reconcileIntervalMs: int()
      .min(1000)
      .default(30_000)
      .describe('Full reload period, catching any missed change notification.'),
  })
  .strict();
export type InfluencersConfig = z.infer<typeof InfluencersConfig>;

export const ListenersConfig = z
  .object({
    kinds: z
      .array(z.enum(LISTENER_KINDS))
      .min(1)
      .default(['user-stream', 'market-stream'])
      .describe('Listener kinds the planner may use.'),
    lagRotationThresholdMs: ms()
      .default(5000)
      .describe('A listener lagging its peer by more than this is rotated (reconnected).'),
    lagRotationSustainMs: ms()
      .default(60_000)
      .describe('How long the smoothed lag must stay above the threshold before primary and secondary swap.'),
    universeRefreshIntervalMs: int()
      .min(1000)
      .default(300_000)
      .describe('How often market-stream listeners refresh the coin universe (new listings).'),
  })
  .strict();
export type ListenersConfig = z.infer<typeof ListenersConfig>;

export const FaninConfig = z
  .object({
    dedup: z
      .object({
        memoryMaxEntries: int().min(1).default(200_000).describe('In-memory dedup LRU size (event ids).'),
        memoryTtlMs: int().min(1000).default(600_000).describe('In-memory dedup entry lifetime.'),
        redis: z
          .object({
            enabled: z
              .boolean()
              .default(false)
              .describe('Also dedup in Redis, so a restart does not re-emit recent events.'),
            ttlMs: int().min(1000).default(86_400_000).describe('Lifetime of a Redis dedup key.'),
          })
          .strict()
          .prefault({})
          .describe('Redis-backed dedup.'),
      })
      .strict()
      .prefault({})
      .describe('Event de-duplication.'),
    reorderWindowMs: ms()
      .default(0)
      .describe(
        'How long the fan-in holds every block to restore per-(influencer, market) order. 0 (latency-first): a block leaves as soon as it arrives; only a key with evidence of a gap or disorder is held (gapHoldMs). The old default, a fixed window, was 250.',
      ),
    gapHoldMs: ms()
      .default(250)
      .describe(
        'Latency-first only: the longest one (influencer, market) is held when a fill breaks its startPosition chain, is older than a block already emitted, or comes from the market stream ahead of the live user-stream listener.',
      ),
    failoverGraceMs: ms()
      .default(5000)
      .describe('How long the secondary waits on a silent primary before it is the only source.'),
  })
  .strict();
export type FaninConfig = z.infer<typeof FaninConfig>;

export const PositionsConfig = z
  .object({
    aggregation: z
      .enum(['block', 'order'])
      .default('block')
      .describe('Default signal aggregation: one signal per block, or one per order.'),
    settleWindowMs: ms()
      .default(0)
      .describe(
        'How long a block aggregate waits for more fills before it is emitted. 0 (latency-first): emitted as soon as the fan-in hands over the block; a fill of that block arriving later yields a follow-up signal. The old default was 1000.',
      ),
    marketClasses: z
      .array(z.enum(MARKET_CLASSES))
      .min(1)
      .default(['perp', 'hip3'])
      .describe('Market classes that produce signals (perp, hip3, spot, outcome).'),
    gapBackfillMarginMs: ms()
      .default(5000)
      .describe('Extra time before a detected gap that the REST backfill re-reads.'),
    cursorStore: z
      .enum(['redis', 'memory'])
      .default('redis')
      // redis: against an exchange Redis must be reachable at start-up (else exit 5); a restart
      // resumes from the cursors. memory: no Redis; a restart re-seeds positions from the
      // exchange, so fills made while the service was down get no signals of their own.
      .describe('Position cursors: redis (resume after restarts) or memory (run without Redis).'),
  })
  .strict();
export type PositionsConfig = z.infer<typeof PositionsConfig>;
