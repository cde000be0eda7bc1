/**
 * The documented per-IP limits (docs/hyperliquid-protocol.md §5), all configurable so tests can reach
 * them quickly: simultaneous connections, new connections per minute, unique users across
 * user-specific subscriptions, subscriptions, inbound messages per minute, and the REST
 * weight budget. Windows are sliding over the injected clock.
 */
import type { Clock } from '../core/index.js';

export interface SimLimits {
  /** Simultaneous WS connections per IP (docs: 10). Excess is closed 1008. */
  maxConnectionsPerIp: number;
  /** New WS connections per IP per window (docs: 30/min). Excess upgrades get HTTP 429. */
  maxNewConnectionsPerWindow: number;
  /** Unique users across user-specific subscriptions per IP (docs: 10). */
  maxUsersPerIp: number;
  /** Subscriptions per IP (docs: 1000). */
  maxSubscriptionsPerIp: number;
  /** Inbound WS messages per IP per window (docs: 2000/min). */
  maxMessagesPerWindow: number;
  /** REST info weight per IP per window (docs: 1200/min). */
  infoWeightPerWindow: number;
  /** Length of every rate window (60 000 ms on the real server). */
  windowMs: number;
  /** Close a connection that sent nothing for this long (60 s). */
  idleTimeoutMs: number;
  /** Fills in a userFills WS snapshot (undocumented; ~2000 observed). */
  snapshotFills: number;
  /** REST userFills cap (2000). */
  userFillsMax: number;
  /** REST userFillsByTime page size (2000). */
  fillsByTimePageSize: number;
  /** Only this many most recent fills are reachable by userFillsByTime (10 000). */
  fillsHorizon: number;
  /** Only this many most recent candles per coin and interval are served by candleSnapshot (5000). */
  candleHistory: number;
  /** Trades per coin answered by recentTrades (newest only, no time range; [UNCONFIRMED] count). */
  recentTrades: number;
}

export const DEFAULT_LIMITS: Readonly<SimLimits> = Object.freeze({
  maxConnectionsPerIp: 10,
  maxNewConnectionsPerWindow: 30,
  maxUsersPerIp: 10,
  maxSubscriptionsPerIp: 1000,
  maxMessagesPerWindow: 2000,
  infoWeightPerWindow: 1200,
  windowMs: 60_000,
  idleTimeoutMs: 60_000,
  snapshotFills: 2000,
  userFillsMax: 2000,
  fillsByTimePageSize: 2000,
  fillsHorizon: 10_000,
  candleHistory: 5000,
  recentTrades: 10,
});

/** A sliding-window sum of weights keyed by IP. */
export class SlidingWindow {
  private readonly entries = new Map<string, { t: number; w: number }[]>();

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: () => number,
  ) {}

  used(key: string): number {
    const list = this.prune(key);
    return list.reduce((s, e) => s + e.w, 0);
  }

  /** Add `w` if the sum stays within `limit`; returns whether it was added. */
  tryAdd(key: string, w: number, limit: number): boolean {
    if (this.used(key) + w > limit) return false;
    this.add(key, w);
    return true;
  }

  add(key: string, w: number): void {
    const list = this.prune(key);
    list.push({ t: this.clock.now(), w });
  }

  reset(): void {
    this.entries.clear();
  }

  private prune(key: string): { t: number; w: number }[] {
    let list = this.entries.get(key);
    if (!list) this.entries.set(key, (list = []));
    const cutoff = this.clock.now() - this.windowMs();
    let i = 0;
    while (i < list.length && (list[i] as { t: number }).t <= cutoff) i++;
    if (i > 0) list.splice(0, i);
    return list;
  }
}

/** Info request weights: the protocol layer's table (one copy), re-exported for the simulator. */
export { baseWeight, itemWeight } from '../protocol/index.js';

/** IPv4-mapped IPv6 (`::ffff:127.0.0.2`) is the same client as `127.0.0.2`. */
export function clientIp(remote: string | undefined): string {
  if (!remote) return 'unknown';
  return remote.startsWith('::ffff:') ? remote.slice(7) : remote;
}
