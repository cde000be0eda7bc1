/**
 * The listener layer's public contracts: manager options, the typed events metrics and logs
 * hang off, and the status snapshot the ops page renders. Kept apart from the manager so the
 * small units (routing, streams, backfill, status) share them without importing each other.
 *
 * Listener ids vs roles: a listener id names the planned *slot* of an influencer,
 * `<influencerId>/primary` or `<influencerId>/secondary`, and never changes while the
 * influencer is tracked (dedup stats, health state and RawEvent.listenerId stay comparable
 * across failovers). The *role* is dynamic: ListenerHealth swaps primary/secondary on
 * failover or sustained lag, and status/metrics report the current role next to the stable id.
 */
import type {
  Clock,
  DeadLetter,
  FillEvent,
  ListenerKind,
  ListenerRole,
  Logger,
  RawEvent,
  RetryPolicy,
} from '../core/index.js';
import type { ListenerHealth, ListenerHealthOptions, RotationCoordinator } from './failover/index.js';
import type {
  ClearinghouseState,
  EgressLimits,
  EgressUsage,
  HeartbeatOptions,
  ReconnectPolicyOptions,
  SocketConstructor,
} from '../protocol/index.js';
import type { CoverageClass } from '../obs/index.js';
import type { EgressPoolConfig } from './egress.js';

/** Where fills go: the FanIn satisfies this (`push`). */
export interface FillSink {
  push(fills: readonly FillEvent[]): void;
}

/** Per-connection socket behaviour, passed to every HlWsConnection the manager opens. */
export interface ConnectionTuning {
  /** Default 30 s / 10 s (docs/hyperliquid-protocol.md §1.5). */
  readonly heartbeat?: HeartbeatOptions | false;
  /** Default 90 s without any inbound message. */
  readonly stall?: { readonly timeoutMs: number; readonly countPongs?: boolean } | false;
  readonly reconnect?: ReconnectPolicyOptions;
  /** Default 10 000 ms. */
  readonly ackTimeoutMs?: number;
  /** Subscribe messages per second per connection. Default 10 (protocol default). */
  readonly subscribeRatePerSec?: number;
  readonly connectTimeoutMs?: number;
  /** Largest inbound frame in bytes (config hyperliquid.maxFrameBytes). */
  readonly maxFrameBytes?: number;
  /** Test seam: socket implementation. */
  readonly WebSocket?: SocketConstructor;
}

/** How a refused subscribe is tried again on its connection (see subscribe-retry.ts). */
export interface SubscribeRetry {
  readonly policy: RetryPolicy;
  /** Floor between two tries of one subscription. */
  readonly minIntervalMs: number;
  readonly random?: () => number;
}

/** An influencer record's say in SubscribeRetry: unset fields keep the service's values. */
export interface SubscribeRetryOverrides {
  readonly backoff?: Partial<Pick<RetryPolicy, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter'>>;
  readonly resubscribeMinIntervalMs?: number | undefined;
}

export interface RotationTuning {
  /** Planned make-before-break rotation age (default 2 h 45 min: before the ~3 h `Expired`). 0 disables. */
  readonly maxAgeMs?: number;
  /** Spread subtracted per connection (default 15 min). */
  readonly jitterMs?: number;
  /** Minimum distance between peers' planned rotations (default 2 min). */
  readonly minGapMs?: number;
  /** Longest wait for the replacement connection's acks before giving up on it (default 30 s). */
  readonly replacementTimeoutMs?: number;
  /** Longest wait for a peer to come back before rotating anyway (default 120 s). */
  readonly maxPeerWaitMs?: number;
}

export interface UniverseTuning {
  /** Add spot pairs from spotMeta (default false: perps and HIP-3 perps only). */
  readonly includeSpot?: boolean;
  /** Coins always subscribed (e.g. outcome markets `#N` no meta lists). */
  readonly extraCoins?: readonly string[];
  /** Refresh period of the coin universe (default: the schema's listeners.universeRefreshIntervalMs). 0 disables. */
  readonly refreshMs?: number;
}

export interface ListenerManagerOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** WebSocket URL (`wss://api.hyperliquid.xyz/ws` or a simulator). */
  readonly wsUrl: string;
  /** Info URL (`https://api.hyperliquid.xyz/info` or a simulator). */
  readonly infoUrl: string;
  /** Egress pools by name; the plan's pool names must all be here. */
  readonly pools: readonly EgressPoolConfig[];
  readonly sink: FillSink;
  readonly onRawEvent?: (e: RawEvent) => void;
  readonly onDeadLetter?: (d: DeadLetter) => void;
  /** Fill/trade times beyond now + this are dead-lettered (config hyperliquid.maxFutureSkewMs). */
  readonly maxFutureSkewMs?: number;
  /** Injected health (the fan-in's observer); created from `healthOptions` when absent. */
  readonly health?: ListenerHealth;
  readonly healthOptions?: Omit<ListenerHealthOptions, 'clock' | 'logger' | 'requestReconnect'>;
  /** Injected rotation coordinator; created when absent (peers from the current plan). */
  readonly rotation?: RotationCoordinator;
  readonly connection?: ConnectionTuning;
  /**
   * Per-user overrides of how a refused subscribe is retried (an influencer record's
   * `backoff` and `throttling.resubscribeMinIntervalMs`); read at each retry, so live edits
   * apply. Default: none, the connection's reconnect policy.
   */
  readonly subscribeRetryOverrides?: (user: string) => SubscribeRetryOverrides | undefined;
  readonly rotationTuning?: RotationTuning;
  readonly universe?: UniverseTuning;
  /** Retry policy for info requests (default core policy). */
  readonly infoRetryPolicy?: RetryPolicy;
  /** REST backfill after outages (default true). */
  readonly backfill?: boolean;
  /** How often connection activity, budgets and message counts are reported (default 1000 ms). */
  readonly reportEveryMs?: number;
  /**
   * Whether an influencer's two listeners can both be here, so the second copy of a frame is
   * looked up instead of parsed (FrameMemo; default true). A distributed listener process runs
   * one slot of each influencer: no copy ever arrives, and remembering every frame would only
   * cost a frozen tree per frame kept until 256 later ones pushed it out.
   */
  readonly shareFrames?: boolean;
}

export type ListenerState = 'down' | 'connected' | 'subscribed' | 'degraded';

export interface ListenerStatusView {
  /** Stable id `<influencerId>/<primary|secondary>` (the planned slot). */
  readonly id: string;
  readonly kind: ListenerKind;
  /** Current role (may differ from the slot after a failover or lag rotation). */
  readonly role: ListenerRole;
  readonly connectionId: string;
  readonly pool: string;
  readonly state: ListenerState;
  readonly healthy: boolean;
  /** How far this listener trails its peer on shared fills (ms, >= 0); null before samples. */
  readonly lagMs: number | null;
  /** Local receipt time of the last message seen by this listener's connection. */
  readonly lastEventAt: number | null;
  readonly degradedReason: string | null;
}

export interface InfluencerStatusView {
  readonly influencer: string;
  readonly address: string;
  readonly coverage: CoverageClass;
  readonly failovers: number;
  readonly lastFailoverReason: string | null;
  readonly listeners: readonly ListenerStatusView[];
}

export interface ListenerManagerStatus {
  readonly generatedAt: number;
  readonly influencers: readonly InfluencerStatusView[];
  readonly connections: readonly {
    readonly id: string;
    readonly pool: string;
    readonly kind: ListenerKind;
    readonly state: string;
    readonly socketId: string;
    readonly subscriptions: number;
    readonly activeSubscriptions: number;
    readonly listeners: number;
  }[];
  readonly pools: readonly {
    readonly pool: string;
    readonly usage: EgressUsage;
    readonly infoWeightUsed: number;
  }[];
  readonly coins: number;
}

interface ConnLabels {
  readonly connectionId: string;
  readonly pool: string;
  readonly kind: ListenerKind;
  /** Current roles of the listeners on the connection. */
  readonly roles: readonly ListenerRole[];
}

export interface ListenerManagerEvents {
  [k: string]: unknown;
  connectionOpened: ConnLabels & { readonly socketId: string; readonly attempt: number };
  connectionClosed: ConnLabels & {
    readonly socketId: string;
    readonly code: number;
    readonly reason: string;
    readonly cause: string;
  };
  reconnect: ConnLabels & { readonly reason: string; readonly attempt: number; readonly delayMs: number };
  /** A refused subscribe is tried again after `delayMs` (the attempt-th time in a row). */
  subscribeRetry: ConnLabels & {
    readonly key: string;
    readonly user: string | null;
    readonly attempt: number;
    readonly delayMs: number;
    readonly error: string;
  };
  listenerState: {
    readonly listenerId: string;
    readonly influencerId: string;
    readonly role: ListenerRole;
    readonly kind: ListenerKind;
    readonly from: ListenerState;
    readonly to: ListenerState;
  };
  failover: {
    readonly influencerId: string;
    readonly primary: string;
    readonly secondary: string;
    readonly reason: string;
    readonly lagMs: number;
  };
  rotation: {
    readonly connectionId: string;
    readonly phase: 'started' | 'completed' | 'failed';
    readonly reason: string;
    readonly planned: boolean;
    readonly waitedMs?: number;
    readonly override?: boolean;
    readonly error?: string;
  };
  /** Inbound frames since the last report, per connection and channel. */
  messages: {
    readonly connectionId: string;
    readonly kind: ListenerKind;
    readonly channel: string;
    readonly count: number;
  };
  budget: {
    readonly pool: string;
    readonly usage: EgressUsage;
    readonly limits: EgressLimits;
    readonly infoWeightUsed: number;
  };
  backfill: {
    readonly user: string;
    readonly reason: 'snapshot-gap' | 'coverage-lost';
    readonly fromTime: number;
    readonly toTime: number;
    readonly fills: number;
    readonly pages: number;
    readonly truncated: boolean;
  };
  backfillFailed: { readonly user: string; readonly error: string };
  /** A position feed frame (user-stream listeners), for the positions stage's reconciliation. */
  positions: {
    readonly influencerIds: readonly string[];
    readonly user: string;
    readonly listenerId: string;
    readonly receivedAt: number;
    /** [dex, state] pairs ('' = main dex). */
    readonly states: readonly (readonly [string, ClearinghouseState])[];
  };
  /** A market-stream listener started/stopped for an influencer: positions must seed from clearinghouseState. */
  marketStreamTracked: { readonly influencerId: string; readonly user: string; readonly tracked: boolean };
  universe: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly size: number };
  /** Subscribe failures (user cap, subscription cap, ack timeouts): named, never silent. */
  error: { readonly connectionId: string; readonly error: Error };
}
