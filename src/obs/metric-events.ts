/**
 * The typed inputs of each Metrics method: one small record per domain event. The composition
 * root maps component events onto these; keeping them here (not in the components) means the
 * pipeline never imports obs, and obs imports nothing but core.
 */
import type { ListenerKind, ListenerRole, MarketClass } from '../core/index.js';

/** Egress pool (one per outbound IP); a handful per instance. */
export interface ConnectionLabels {
  readonly role: ListenerRole;
  readonly kind: ListenerKind;
  readonly pool: string;
}

export interface ConnectionClosed extends ConnectionLabels {
  /** Why it closed, e.g. `remote_close`, `heartbeat_timeout`, `shutdown`. */
  readonly reason: string;
}

export interface Reconnect {
  readonly role: ListenerRole;
  readonly kind: ListenerKind;
  readonly reason: string;
}

export interface SubscribeRetry {
  readonly kind: ListenerKind;
  readonly pool: string;
}

export interface ListenerStateChange {
  readonly influencer: string;
  readonly role: ListenerRole;
  readonly kind: ListenerKind;
  /** The listener state machine's state name, e.g. `connecting`, `live`, `stalled`, `down`. */
  readonly state: string;
}

/** How far one listener's delivery trails the exchange (receipt time minus block time). */
export interface ListenerLag {
  readonly role: ListenerRole;
  readonly kind: ListenerKind;
  readonly ms: number;
}

/** How far the slower listener trails the faster one for the same event. */
export interface ListenerSkew {
  readonly influencer: string;
  readonly ms: number;
}

export interface Failover {
  readonly influencer: string;
  /** Fan-in's reason, e.g. `primary-down`, `primary-degraded`, `sustained-lag`. */
  readonly reason: string;
}

export interface RoleRotation {
  readonly influencer: string;
  /** e.g. `scheduled`, `recovered`, `rebalance`. */
  readonly reason: string;
}

export interface MessageReceived {
  /** Hyperliquid channel: `userFills`, `trades`, `pong`, ... */
  readonly channel: string;
}

export interface MessageReceivedFor {
  readonly influencer: string;
  readonly market: string;
}

export interface SignalEmitted {
  /** OPEN | CLOSE | INCREASE | DECREASE | FLIP */
  readonly action: string;
  readonly marketClass: MarketClass;
}

export interface ByRole {
  readonly role: ListenerRole;
}

export interface ByReason {
  readonly reason: string;
}

export interface GapBackfilled {
  /** e.g. `filled`, `empty`, `failed`. */
  readonly outcome: string;
}

export interface ByPool {
  readonly pool: string;
}

/** Per-egress-IP budget resources (docs/hyperliquid-protocol.md §5: users, connections, subscriptions, ...). */
export interface BudgetUse {
  readonly pool: string;
  readonly resource: string;
  readonly used: number;
  readonly limit: number;
}

export interface BySink {
  /** `kafka`, `clickhouse`, `dead_letters`, `local`, ... */
  readonly sink: string;
}

export interface CoverageSummary {
  readonly dual: number;
  readonly single: number;
  readonly dark: number;
}

/**
 * Monotonic times (ms, performance.now()) of one signal at each stage: the first receipt of
 * its earliest fill, when its last fill left the fan-in, when it was derived, handed to the
 * sink, and acknowledged by it.
 */
export interface SignalStageTimes {
  /** The signal's block time, wall ms (the exchange's clock); the rest are monotonic ms. */
  readonly blockTime: number;
  readonly receipt: number;
  readonly faninOut: number;
  readonly derived: number;
  readonly enqueued: number;
  readonly acked: number;
}
