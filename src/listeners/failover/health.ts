/**
 * Listener health and failover decisions, pure logic over an injected Clock. The listener
 * layer feeds connection state, message and pong times; the fan-in feeds who delivered each
 * fill first, by how much, and who missed one (DeliveryObserver). Decisions come out as
 * typed events and one callback, `requestReconnect(listenerId, reason)`; the actual
 * reconnect (through the RotationCoordinator) belongs to the listener layer.
 *
 * Rules (all thresholds are options, defaults in brackets):
 * - a missed fill (expected listener silent `missGraceMs` after the other delivered it) or no
 *   message at all for `staleAfterMs` [90 s] while subscribed marks the listener degraded and
 *   requests a reconnect (at most once per `reconnectCooldownMs` [30 s]); it recovers when it
 *   is subscribed again;
 * - roles follow speed: the EWMA [alpha 0.1] of how far the primary lags its secondary on
 *   shared fills above `lagThresholdMs` for `lagSustainMs` (defaults: the schema's
 *   listeners.lagRotationThresholdMs / SustainMs), with at least `minSamples` [20] samples,
 *   swaps the roles (`sustained-lag`);
 * - failover: a primary that disconnects or degrades while its secondary is subscribed and
 *   healthy hands the primary role over at once (`primary-down` / `primary-degraded`).
 */
import type { Clock, ListenerKind, ListenerRole, Logger, TimerHandle } from '../../core/index.js';
import { ValidationError } from '../../core/index.js';
import type {
  CopyObservation,
  DeliveryObserver,
  ExpectedListener,
  MissObservation,
} from './delivery-tracker.js';
import { TypedEmitter } from '../../core/index.js';
import { CONFIG_DEFAULTS } from '../../config/index.js';

export const HEALTH_STATES = ['disconnected', 'connecting', 'connected', 'subscribed'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export interface ListenerHealthOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly requestReconnect: (listenerId: string, reason: string) => void;
  readonly lagThresholdMs?: number;
  readonly lagSustainMs?: number;
  readonly ewmaAlpha?: number;
  readonly minSamples?: number;
  readonly reconnectCooldownMs?: number;
  readonly staleAfterMs?: number;
  /** Period of the stale/lag evaluation once start() is called (default 5000 ms). */
  readonly evaluateEveryMs?: number;
}

export interface PairSpec {
  /** Usually the influencer id. */
  readonly pairId: string;
  readonly primary: ExpectedListener;
  readonly secondary: ExpectedListener;
}

export interface ListenerHealthStatus {
  readonly listenerId: string;
  readonly pairId: string;
  readonly kind: ListenerKind;
  readonly role: ListenerRole;
  readonly state: HealthState;
  readonly lastMessageAt: number | null;
  readonly pongLatencyMs: number | null;
  readonly firstDeliveries: number;
  readonly laterDeliveries: number;
  /** EWMA of how much earlier this listener delivers shared fills (negative: it lags). */
  readonly leadEwmaMs: number;
  readonly missed: number;
  /** Reason when degraded, else null. */
  readonly degraded: string | null;
}

export interface HealthEvents {
  [k: string]: unknown;
  stateChanged: { readonly listenerId: string; readonly from: HealthState; readonly to: HealthState };
  degraded: { readonly listenerId: string; readonly reason: string };
  recovered: { readonly listenerId: string; readonly degradedMs: number };
  reconnectRequested: { readonly listenerId: string; readonly reason: string };
  roleChanged: {
    readonly pairId: string;
    readonly primary: string;
    readonly secondary: string;
    readonly reason: 'sustained-lag' | 'primary-down' | 'primary-degraded';
    readonly lagMs: number;
  };
}

interface L {
  readonly id: string;
  readonly pair: Pair;
  readonly kind: ListenerKind;
  state: HealthState;
  lastMessageAt: number | null;
  pongLatencyMs: number | null;
  first: number;
  later: number;
  leadEwma: number;
  missed: number;
  degraded: string | null;
  degradedAt: number;
  lastReconnectAt: number;
}

interface Pair {
  readonly id: string;
  primary: L;
  secondary: L;
  /** EWMA of primary lag over secondary (ms); positive = primary is slower. */
  lagEwma: number;
  samples: number;
  lagSince: number | null;
  /** Cached for the fan-in's per-fill lookup; rebuilt on role changes. */
  expected: readonly ExpectedListener[];
}

function expectedOf(p: Pair): readonly ExpectedListener[] {
  return Object.freeze([
    { listenerId: p.primary.id, kind: p.primary.kind },
    { listenerId: p.secondary.id, kind: p.secondary.kind },
  ]);
}

export class ListenerHealth implements DeliveryObserver {
  readonly events: TypedEmitter<HealthEvents>;
  private readonly log: Logger;
  private readonly listeners = new Map<string, L>();
  private readonly pairs = new Map<string, Pair>();
  private readonly threshold: number;
  private readonly sustain: number;
  private readonly alpha: number;
  private readonly minSamples: number;
  private readonly cooldown: number;
  private readonly staleAfter: number;
  private ticker: TimerHandle | null = null;

  constructor(private readonly o: ListenerHealthOptions) {
    this.log = o.logger.child({ component: 'fanin.health' });
    this.threshold = o.lagThresholdMs ?? CONFIG_DEFAULTS.listeners.lagRotationThresholdMs;
    this.sustain = o.lagSustainMs ?? CONFIG_DEFAULTS.listeners.lagRotationSustainMs;
    this.alpha = o.ewmaAlpha ?? 0.1;
    this.minSamples = o.minSamples ?? 20;
    this.cooldown = o.reconnectCooldownMs ?? 30_000;
    this.staleAfter = o.staleAfterMs ?? 90_000;
    this.events = new TypedEmitter((err, ev) =>
      this.log.error({ err, event: ev }, 'health event listener threw'),
    );
  }

  registerPair(spec: PairSpec): void {
    const ids = [spec.primary.listenerId, spec.secondary.listenerId];
    if (ids[0] === ids[1])
      throw new ValidationError(`pair ${spec.pairId}: both roles use listener ${ids[0]}`, []);
    this.unregisterPair(spec.pairId);
    for (const id of ids) {
      if (this.listeners.has(id))
        throw new ValidationError(`listener ${id} already belongs to another pair`, []);
    }
    const pair = { id: spec.pairId, lagEwma: 0, samples: 0, lagSince: null, expected: [] } as unknown as Pair;
    const mk = (e: ExpectedListener): L => ({
      id: e.listenerId,
      pair,
      kind: e.kind,
      state: 'disconnected',
      lastMessageAt: null,
      pongLatencyMs: null,
      first: 0,
      later: 0,
      leadEwma: 0,
      missed: 0,
      degraded: null,
      degradedAt: 0,
      lastReconnectAt: -Infinity,
    });
    pair.primary = mk(spec.primary);
    pair.secondary = mk(spec.secondary);
    pair.expected = expectedOf(pair);
    this.pairs.set(spec.pairId, pair);
    this.listeners.set(pair.primary.id, pair.primary);
    this.listeners.set(pair.secondary.id, pair.secondary);
  }

  unregisterPair(pairId: string): void {
    const p = this.pairs.get(pairId);
    if (!p) return;
    this.pairs.delete(pairId);
    this.listeners.delete(p.primary.id);
    this.listeners.delete(p.secondary.id);
  }

  /** For FanInOptions.expectedListeners. */
  expectedListeners(pairId: string): readonly ExpectedListener[] {
    return this.pairs.get(pairId)?.expected ?? [];
  }

  /** Subscribed and not degraded: the fan-in waits for such a user-stream peer (FanInOptions.isListenerLive). */
  isLive(listenerId: string): boolean {
    const l = this.listeners.get(listenerId);
    return l !== undefined && l.state === 'subscribed' && l.degraded === null;
  }

  roleOf(listenerId: string): ListenerRole | null {
    const l = this.listeners.get(listenerId);
    if (!l) return null;
    return l.pair.primary === l ? 'primary' : 'secondary';
  }

  /**
   * One listener's degraded reason (null when healthy or unknown), without building status():
   * the manager asks on every listener state change, and status() of every listener, sorted,
   * per connection event was O(listeners) each, which kept the event loop busy for minutes in
   * a reconnect storm at 30 000 influencers.
   */
  degradedOf(listenerId: string): string | null {
    return this.listeners.get(listenerId)?.degraded ?? null;
  }

  setState(listenerId: string, to: HealthState): void {
    const l = this.listeners.get(listenerId);
    if (!l || l.state === to) return;
    const from = l.state;
    l.state = to;
    this.events.emit('stateChanged', { listenerId, from, to });
    const now = this.o.clock.now();
    if (to === 'subscribed') {
      l.lastMessageAt = now;
      if (l.degraded !== null) {
        l.degraded = null;
        this.events.emit('recovered', { listenerId, degradedMs: now - l.degradedAt });
      }
    }
    if (to === 'disconnected') this.failover(l, 'primary-down');
  }

  recordMessage(listenerId: string): void {
    const l = this.listeners.get(listenerId);
    if (l) l.lastMessageAt = this.o.clock.now();
  }

  recordPong(listenerId: string, latencyMs: number): void {
    const l = this.listeners.get(listenerId);
    if (!l) return;
    l.pongLatencyMs = latencyMs;
    l.lastMessageAt = this.o.clock.now();
  }

  onFirstArrival(listenerId: string): void {
    const l = this.listeners.get(listenerId);
    if (l) l.first++;
  }

  onCopy(c: CopyObservation): void {
    const first = this.listeners.get(c.firstListenerId);
    const later = this.listeners.get(c.listenerId);
    if (later) later.later++;
    if (first) first.leadEwma += this.alpha * (c.leadMs - first.leadEwma);
    if (later) later.leadEwma += this.alpha * (-c.leadMs - later.leadEwma);
    if (!first || !later || first.pair !== later.pair) return;
    const p = first.pair;
    const primaryLag = p.primary === first ? -c.leadMs : c.leadMs;
    p.lagEwma = p.samples === 0 ? primaryLag : p.lagEwma + this.alpha * (primaryLag - p.lagEwma);
    p.samples++;
    this.evaluateLag(p, this.o.clock.now());
  }

  onMissed(m: MissObservation): void {
    const l = this.listeners.get(m.listenerId);
    if (!l) return;
    l.missed++;
    this.degrade(l, `missed fill ${m.eventId} delivered by ${m.deliveredBy} (grace ${m.graceMs} ms)`);
  }

  /** Stale-listener and sustained-lag checks; called periodically after start(). */
  evaluate(): void {
    const now = this.o.clock.now();
    for (const l of this.listeners.values()) {
      if (l.state === 'subscribed' && l.lastMessageAt !== null && now - l.lastMessageAt >= this.staleAfter) {
        this.degrade(l, `stale: no message for ${now - l.lastMessageAt} ms`);
      }
    }
    for (const p of this.pairs.values()) this.evaluateLag(p, now);
  }

  start(): void {
    this.ticker ??= this.o.clock.setInterval(() => this.evaluate(), this.o.evaluateEveryMs ?? 5000);
  }

  close(): Promise<void> {
    this.ticker?.cancel();
    this.ticker = null;
    return Promise.resolve();
  }

  status(): ListenerHealthStatus[] {
    return [...this.listeners.values()]
      .map((l) => ({
        listenerId: l.id,
        pairId: l.pair.id,
        kind: l.kind,
        role: (l.pair.primary === l ? 'primary' : 'secondary') as ListenerRole,
        state: l.state,
        lastMessageAt: l.lastMessageAt,
        pongLatencyMs: l.pongLatencyMs,
        firstDeliveries: l.first,
        laterDeliveries: l.later,
        leadEwmaMs: l.leadEwma,
        missed: l.missed,
        degraded: l.degraded,
      }))
      .sort((a, b) => (a.listenerId < b.listenerId ? -1 : 1));
  }

  private degrade(l: L, reason: string): void {
    const now = this.o.clock.now();
    if (l.degraded === null) {
      l.degraded = reason;
      l.degradedAt = now;
      this.log.warn({ listenerId: l.id, reason }, 'listener degraded');
      this.events.emit('degraded', { listenerId: l.id, reason });
      this.failover(l, 'primary-degraded');
    }
    if (now - l.lastReconnectAt < this.cooldown) return;
    l.lastReconnectAt = now;
    this.events.emit('reconnectRequested', { listenerId: l.id, reason });
    try {
      this.o.requestReconnect(l.id, reason);
    } catch (err) {
      this.log.error({ err, listenerId: l.id }, 'requestReconnect callback threw');
    }
  }

  private failover(l: L, reason: 'primary-down' | 'primary-degraded'): void {
    const p = l.pair;
    if (p.primary !== l) return;
    const s = p.secondary;
    if (s.state !== 'subscribed' || s.degraded !== null) return;
    this.swap(p, reason);
  }

  private evaluateLag(p: Pair, now: number): void {
    if (p.samples < this.minSamples || p.lagEwma <= this.threshold) {
      p.lagSince = null;
      return;
    }
    p.lagSince ??= now;
    if (now - p.lagSince >= this.sustain) this.swap(p, 'sustained-lag');
  }

  private swap(p: Pair, reason: 'sustained-lag' | 'primary-down' | 'primary-degraded'): void {
    const lagMs = p.lagEwma;
    [p.primary, p.secondary] = [p.secondary, p.primary];
    p.expected = expectedOf(p);
    p.lagEwma = -p.lagEwma;
    p.lagSince = null;
    this.log.info({ pairId: p.id, primary: p.primary.id, reason, lagMs }, 'listener roles changed');
    this.events.emit('roleChanged', {
      pairId: p.id,
      primary: p.primary.id,
      secondary: p.secondary.id,
      reason,
      lagMs,
    });
  }
}
