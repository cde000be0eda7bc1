/**
 * The per-egress-IP WebSocket budget (docs/hyperliquid-protocol.md §5.1), enforced client-side so we get
 * a clear BudgetError instead of a server refusal we cannot correlate (the user-cap error
 * echoes nothing). One instance per egress pool, shared by every connection of that pool.
 * Connections consult it for connects, subscribes and every sent message (pings and
 * resubscribes included). Limits are configurable because the server's numbers drift (§10).
 */
import type { Clock } from '../core/index.js';
import { BudgetError, systemClock } from '../core/index.js';
import { RollingWindow } from './rolling-window.js';

export interface EgressLimits {
  /** Unique users across user-specific subscriptions; same address counts once. Default 10 (docs). */
  readonly maxUsers: number;
  /** Simultaneous connections. Default 10. */
  readonly maxConnections: number;
  /** New connections per rolling window. Default 30. */
  readonly maxNewConnectionsPerWindow: number;
  /** Subscriptions across all connections. Default 1000. */
  readonly maxSubscriptions: number;
  /** Messages sent (all connections) per rolling window. Default 2000. */
  readonly maxMessagesPerWindow: number;
  /** Rolling window length. Default 60 000 ms. */
  readonly windowMs: number;
}

export const DEFAULT_EGRESS_LIMITS: EgressLimits = Object.freeze({
  maxUsers: 10,
  maxConnections: 10,
  maxNewConnectionsPerWindow: 30,
  maxSubscriptions: 1000,
  maxMessagesPerWindow: 2000,
  windowMs: 60_000,
});

export interface EgressUsage {
  readonly users: number;
  readonly connections: number;
  readonly newConnectionsInWindow: number;
  readonly subscriptions: number;
  readonly messagesInWindow: number;
  readonly limits: EgressLimits;
}

export type BudgetCheck =
  { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number; readonly error: BudgetError };

export interface EgressBudgetOptions {
  /** Names the pool in error messages and metrics, e.g. `egress-a`. */
  readonly name?: string;
  readonly limits?: Partial<EgressLimits>;
  readonly clock?: Clock;
}

export class EgressBudget {
  readonly name: string;
  readonly limits: EgressLimits;
  private readonly clock: Clock;
  private readonly connections = new Set<string>();
  private readonly newConnections: RollingWindow;
  private readonly messages: RollingWindow;
  /** `${connId}\n${subKey}` -> user (or null) for every held subscription. */
  private readonly subs = new Map<string, string | null>();
  /** user -> number of held subscriptions naming it (across connections). */
  private readonly userRefs = new Map<string, number>();

  constructor(options: EgressBudgetOptions = {}) {
    this.name = options.name ?? 'default';
    this.limits = Object.freeze({ ...DEFAULT_EGRESS_LIMITS, ...options.limits });
    this.clock = options.clock ?? systemClock;
    this.newConnections = new RollingWindow(this.limits.windowMs);
    this.messages = new RollingWindow(this.limits.windowMs);
  }

  private refuse(
    code: 'SOURCE_CONNECTION_CAP' | 'SOURCE_USER_CAP' | 'SOURCE_SUBSCRIPTION_CAP' | 'SOURCE_MESSAGE_RATE',
    message: string,
    retryAfterMs: number,
    context: Record<string, unknown>,
  ): BudgetCheck {
    return {
      ok: false,
      retryAfterMs,
      error: new BudgetError(code, `egress budget "${this.name}": ${message}`, {
        retriable: Number.isFinite(retryAfterMs),
        context: { pool: this.name, retryAfterMs, ...context },
      }),
    };
  }

  /** Register a logical connection (holds a connection slot until releaseConnection). */
  registerConnection(connId: string): BudgetCheck {
    if (this.connections.has(connId)) return { ok: true };
    if (this.connections.size >= this.limits.maxConnections) {
      return this.refuse(
        'SOURCE_CONNECTION_CAP',
        `connection cap reached (${this.connections.size}/${this.limits.maxConnections} connections open); close one first`,
        Infinity,
        { connId },
      );
    }
    this.connections.add(connId);
    return { ok: true };
  }

  /** Release the connection slot and every subscription the connection held. */
  releaseConnection(connId: string): void {
    this.connections.delete(connId);
    for (const key of [...this.subs.keys()]) {
      if (key.startsWith(`${connId}\n`)) this.releaseKey(key);
    }
  }

  /** Consume one new-connection token (each physical (re)connect) or say how long to wait. */
  tryNewConnection(): BudgetCheck {
    const now = this.clock.now();
    const wait = this.newConnections.waitFor(now, 1, this.limits.maxNewConnectionsPerWindow);
    if (wait > 0) {
      return this.refuse(
        'SOURCE_CONNECTION_CAP',
        `new-connection budget exhausted (${this.limits.maxNewConnectionsPerWindow} per ${this.limits.windowMs} ms); next slot in ${wait} ms`,
        wait,
        {},
      );
    }
    this.newConnections.add(now);
    return { ok: true };
  }

  /** Consume `n` outbound-message tokens (subscribe, unsubscribe, ping) or say how long to wait. */
  trySend(n = 1): BudgetCheck {
    const now = this.clock.now();
    const wait = this.messages.waitFor(now, n, this.limits.maxMessagesPerWindow);
    if (wait > 0) {
      return this.refuse(
        'SOURCE_MESSAGE_RATE',
        `outbound message budget exhausted (${this.limits.maxMessagesPerWindow} per ${this.limits.windowMs} ms, pings and resubscribes included); next slot in ${wait} ms`,
        wait,
        {},
      );
    }
    this.messages.add(now, n);
    return { ok: true };
  }

  /**
   * Check whether `connId` may hold subscription `subKey` (user-specific when `user` is set)
   * without reserving it.
   */
  checkSubscription(connId: string, subKey: string, user: string | null): BudgetCheck {
    const key = `${connId}\n${subKey}`;
    if (this.subs.has(key)) return { ok: true };
    if (this.subs.size >= this.limits.maxSubscriptions) {
      return this.refuse(
        'SOURCE_SUBSCRIPTION_CAP',
        `subscription cap reached (${this.subs.size}/${this.limits.maxSubscriptions})`,
        Infinity,
        { connId, subKey },
      );
    }
    if (user !== null && !this.userRefs.has(user) && this.userRefs.size >= this.limits.maxUsers) {
      return this.refuse(
        'SOURCE_USER_CAP',
        `unique-user cap reached (${this.userRefs.size}/${this.limits.maxUsers} users tracked on this egress IP); cannot add ${user}`,
        Infinity,
        { connId, user, users: [...this.userRefs.keys()] },
      );
    }
    return { ok: true };
  }

  /** Reserve a subscription slot (and a user slot if new). Idempotent per (connId, subKey). */
  reserveSubscription(connId: string, subKey: string, user: string | null): BudgetCheck {
    const c = this.checkSubscription(connId, subKey, user);
    if (!c.ok) return c;
    const key = `${connId}\n${subKey}`;
    if (this.subs.has(key)) return c;
    this.subs.set(key, user);
    if (user !== null) this.userRefs.set(user, (this.userRefs.get(user) ?? 0) + 1);
    return c;
  }

  releaseSubscription(connId: string, subKey: string): void {
    this.releaseKey(`${connId}\n${subKey}`);
  }

  private releaseKey(key: string): void {
    if (!this.subs.has(key)) return;
    const user = this.subs.get(key) ?? null;
    this.subs.delete(key);
    if (user === null) return;
    const n = (this.userRefs.get(user) ?? 1) - 1;
    if (n <= 0) this.userRefs.delete(user);
    else this.userRefs.set(user, n);
  }

  usage(): EgressUsage {
    const now = this.clock.now();
    return {
      users: this.userRefs.size,
      connections: this.connections.size,
      newConnectionsInWindow: this.newConnections.used(now),
      subscriptions: this.subs.size,
      messagesInWindow: this.messages.used(now),
      limits: this.limits,
    };
  }
}
