/**
 * Typed events of the fan-in, for metrics and logs (src/obs maps them to prom-client).
 * High-rate events (`emitted`, `duplicateSuppressed`, `firstDelivery`) are only built when
 * something listens.
 */
import type { DeliveryKind, FillEvent } from '../core/index.js';
import type { MissObservation } from '../listeners/failover/index.js';
import type { HoldReason } from './reorder-buffer.js';

export interface FanInEvents {
  [k: string]: unknown;
  /** A batch left for one key (`count` fills). */
  emitted: {
    readonly influencerId: string;
    readonly coin: string;
    readonly blockTime: number;
    readonly count: number;
    readonly late: boolean;
  };
  /** A later copy of an already-admitted fill was suppressed. */
  duplicateSuppressed: {
    readonly eventId: string;
    readonly listenerId: string;
    readonly delivery: DeliveryKind;
    /** The suppressed copy itself (who recorded something for it can tell it from the first). */
    readonly fill: FillEvent;
  };
  /** Measured when the later copy arrives: `listenerId` was first, by `leadMs` over `otherListenerId`. */
  firstDelivery: {
    readonly eventId: string;
    readonly listenerId: string;
    readonly otherListenerId: string;
    readonly leadMs: number;
  };
  /** A fill arrived after its block (or a later block) of the key had been released. */
  late: {
    readonly influencerId: string;
    readonly coin: string;
    readonly eventId: string;
    readonly blockTime: number;
    readonly releasedThrough: number;
  };
  /** An expected listener had not delivered a live fill within the grace period. */
  missed: MissObservation;
  /** A held copy without startPosition was replaced by a richer later copy. */
  enriched: { readonly eventId: string; readonly listenerId: string };
  /** No influencer tracks the fill's user (stale subscription); not claimed, not emitted. */
  unroutable: { readonly eventId: string; readonly user: string; readonly listenerId: string };
  /** The downstream callback threw or rejected for a batch. */
  deliverError: { readonly influencerId: string; readonly coin: string; readonly error: string };
  /**
   * Latency-first: one key is held on evidence (a startPosition gap, a late older block, or a
   * market-stream fill ahead of the influencer's live user-stream listener).
   */
  held: {
    readonly influencerId: string;
    readonly coin: string;
    readonly reason: HoldReason;
    readonly until: number;
  };
  /** The pending bound was exceeded and blocks were released before their window ended. */
  forcedRelease: { readonly blocks: number };
}
