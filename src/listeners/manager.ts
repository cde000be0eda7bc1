/**
 * ListenerManager: materializes a listener plan. One ManagedConnection per planned
 * connection (never one socket for both listeners of an influencer: the planner guarantees
 * distinct connections), through its egress pool's budget and socket options; user-stream
 * connections carry `userFills` + the position feed per user, market-stream connections the
 * `trades` feed of the coin universe behind the TradesFastPath. Every fill goes through the
 * backfill gate into the FanIn. Connection events drive ListenerHealth; its reconnect
 * requests and the planned pre-`Expired` rotations go through the RotationCoordinator
 * (rotation-driver.ts). `applyPlan` moves to a new plan with minimal churn (diffPlans).
 * Listener ids are stable slots; roles are ListenerHealth's (see types.ts).
 */
import type { Clock, FillEvent, ListenerKind, ListenerRole, Logger, TimerHandle } from '../core/index.js';
import { errorMessage, silentLogger, systemClock, ValidationError } from '../core/index.js';
import { ListenerHealth, RotationCoordinator, defaultIsExpectedFrom } from './failover/index.js';
import type { ExpectedListener } from './failover/index.js';
import type { HealthState } from './failover/index.js';
import type { BackfillResult, InfoClient, Subscription } from '../protocol/index.js';
import { FillGuard, FrameMemo, subscriptionKey } from '../protocol/index.js';
import { CONFIG_DEFAULTS } from '../config/index.js';
import { TypedEmitter } from '../core/index.js';
import { BackfillGate, backfillRawEvents } from './backfill.js';
import { CoinUniverse } from './coin-universe.js';
import { ListenerDirectory } from './directory.js';
import type { ListenerRef } from './directory.js';
import type { EgressPoolHandle } from './egress.js';
import { createEgressPool } from './egress.js';
import { ManagedConnection } from './managed-connection.js';
import { MarketStreamRouter } from './market-stream.js';
import type { ListenerPlan, PlannedConnection, PlannedSubscription } from './planner.js';
import { connectionPeers, diffPlans } from './planner.js';
import { RotationDriver } from './rotation-driver.js';
import { defaultSubscribeRetry, subscribeRetryWith } from './subscribe-retry.js';
import { buildStatus } from './status.js';
import type {
  ListenerManagerEvents,
  ListenerManagerOptions,
  ListenerManagerStatus,
  ListenerState,
  SubscribeRetry,
} from './types.js';
import { handleUserStreamFrame } from './user-stream.js';
import type { PreparedFrames } from './user-stream.js';

const EMPTY_PLAN: ListenerPlan = {
  connections: [],
  assignments: [],
  capacity: [],
  unplaced: [],
  warnings: [],
  disabled: [],
};

/** The subscription body for a planned user subscription (unsubscribe sends the same). */
export function userSubscription(s: PlannedSubscription): Subscription | null {
  if (s.type === 'userFills') return { type: 'userFills', user: s.user, aggregateByTime: false };
  if (s.type === 'clearinghouseState') return { type: 'clearinghouseState', user: s.user };
  if (s.type === 'allDexsClearinghouseState') return { type: 'allDexsClearinghouseState', user: s.user };
  return null;
}

function userOf(sub: Subscription): string | null {
  return 'user' in sub ? sub.user.toLowerCase() : null;
}

interface Conn {
  readonly mc: ManagedConnection;
  readonly router: MarketStreamRouter | null;
  /** Every desired subscription has been acked since the current socket opened. */
  full: boolean;
  /** lastFrameAt already reported to health. */
  reportedFrameAt: number | null;
  /** The socket whose subscriptions health last saw (a replacement changes it). */
  socketId: string;
}

export class ListenerManager {
  readonly events: TypedEmitter<ListenerManagerEvents>;
  readonly health: ListenerHealth;
  readonly rotation: RotationCoordinator;
  private readonly o: ListenerManagerOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly pools = new Map<string, EgressPoolHandle>();
  private readonly directory = new ListenerDirectory();
  private readonly conns = new Map<string, Conn>();
  private readonly states = new Map<string, ListenerState>();
  private readonly failovers = new Map<string, { count: number; lastReason: string | null }>();
  private readonly gate: BackfillGate;
  private readonly universe: CoinUniverse;
  /** The one boundary validator of fills and trades: WS user-stream, market-stream and REST. */
  readonly fillGuard: FillGuard;
  /**
   * One frame memo and one prepared-fills map for every connection here: an influencer's two
   * listeners get the same frames on two sockets, and the second copy is not parsed, judged
   * or normalised again (FrameMemo says why this is safe).
   */
  readonly frameMemo: FrameMemo | null;
  private readonly prepared: PreparedFrames = new WeakMap();
  private unknownCoinRefreshAt = -Infinity;
  private readonly driver: RotationDriver;
  private readonly ownHealth: boolean;
  private readonly ownRotation: boolean;
  private plan: ListenerPlan = EMPTY_PLAN;
  private peers = new Map<string, string[]>();
  private timers: TimerHandle[] = [];
  private closing: Promise<void> | null = null;

  constructor(options: ListenerManagerOptions) {
    this.o = options;
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).child({ component: 'listeners' });
    this.events = new TypedEmitter((err, event) =>
      this.log.error({ err, event }, 'listener manager event listener threw'),
    );
    if (options.pools.length === 0)
      throw new ValidationError('ListenerManager: no egress pool configured', []);
    this.frameMemo = options.shareFrames === false ? null : new FrameMemo();
    this.fillGuard = new FillGuard({
      clock: this.clock,
      ...(options.maxFutureSkewMs !== undefined ? { maxFutureSkewMs: options.maxFutureSkewMs } : {}),
      onUnknownCoin: (coin) => this.onUnknownCoin(coin),
    });
    for (const p of options.pools) {
      if (this.pools.has(p.name)) throw new ValidationError(`ListenerManager: duplicate pool ${p.name}`, []);
      this.pools.set(
        p.name,
        createEgressPool(p, {
          clock: this.clock,
          logger: this.log,
          infoUrl: options.infoUrl,
          fillGuard: this.fillGuard,
          ...(options.onDeadLetter ? { onDeadLetter: options.onDeadLetter } : {}),
          ...(options.infoRetryPolicy ? { retryPolicy: options.infoRetryPolicy } : {}),
        }),
      );
    }
    this.ownHealth = options.health === undefined;
    this.health =
      options.health ??
      new ListenerHealth({
        clock: this.clock,
        logger: this.log,
        requestReconnect: (id, reason) => this.onReconnectRequest(id, reason),
        ...options.healthOptions,
      });
    if (!this.ownHealth) {
      this.health.events.on('reconnectRequested', (e) => this.onReconnectRequest(e.listenerId, e.reason));
    }
    this.health.events.on('roleChanged', (e) => {
      const f = this.failovers.get(e.pairId) ?? { count: 0, lastReason: null };
      f.count++;
      f.lastReason = e.reason;
      this.failovers.set(e.pairId, f);
      this.events.emit('failover', {
        influencerId: e.pairId,
        primary: e.primary,
        secondary: e.secondary,
        reason: e.reason,
        lagMs: e.lagMs,
      });
    });
    this.health.events.on('degraded', (e) => this.refreshListener(e.listenerId));
    this.health.events.on('recovered', (e) => this.refreshListener(e.listenerId));
    this.ownRotation = options.rotation === undefined;
    this.rotation =
      options.rotation ??
      new RotationCoordinator({
        clock: this.clock,
        logger: this.log,
        peersOf: (id) => this.peers.get(id) ?? [],
        ...(options.rotationTuning?.maxPeerWaitMs !== undefined
          ? { maxWaitMs: options.rotationTuning.maxPeerWaitMs }
          : {}),
      });
    this.driver = new RotationDriver({
      clock: this.clock,
      logger: this.log,
      coordinator: this.rotation,
      connections: () => [...this.conns.values()].map((c) => c.mc),
      peersOf: (id) => this.peers.get(id) ?? [],
      tuning: options.rotationTuning ?? {},
      emit: (e) => this.events.emit('rotation', e),
    });
    this.gate = new BackfillGate({
      clock: this.clock,
      logger: this.log,
      sink: options.sink,
      enabled: options.backfill ?? true,
      fetch: (user, from, to) => this.fetchBackfill(user, from, to),
      onBackfill: (e) => this.events.emit('backfill', e),
      onFailed: (e) => this.events.emit('backfillFailed', e),
    });
    const first = this.pools.values().next().value as EgressPoolHandle;
    this.universe = new CoinUniverse(first.info, {
      ...(options.universe?.includeSpot !== undefined ? { includeSpot: options.universe.includeSpot } : {}),
      ...(options.universe?.extraCoins ? { extraCoins: options.universe.extraCoins } : {}),
    });
  }

  /** Influencer ids tracking `user` (lower-case): the FanIn's `resolveInfluencers`. */
  resolveInfluencers = (user: string): readonly string[] => this.directory.influencersOf(user);

  coins(): readonly string[] {
    return this.universe.list();
  }

  /**
   * The FanIn's `isExpectedFrom`: a market-stream listener only sees coins of its trades
   * universe (spot and outcome markets are often outside it), so a fill on any other coin is
   * not a miss of that listener. Without this it was degraded over and over for fills it could
   * never receive.
   */
  isExpectedFrom = (listener: ExpectedListener, e: FillEvent): boolean =>
    defaultIsExpectedFrom(listener, e) && (listener.kind !== 'market-stream' || this.universe.has(e.coin));

  /** The listener's kind (user-stream or market-stream), for metric labels. */
  kindOf(listenerId: string): ListenerKind | undefined {
    return this.directory.get(listenerId)?.kind;
  }

  /**
   * The info client of an egress pool (default: the first). Other stages (position seeding,
   * gap backfill) must use it rather than their own, so every REST call from one IP draws
   * from that IP's single 1200/min weight budget.
   */
  infoClient(pool?: string): InfoClient {
    const p = pool === undefined ? this.pools.values().next().value : this.pools.get(pool);
    if (p === undefined)
      throw new ValidationError(`ListenerManager: unknown egress pool ${String(pool)}`, []);
    return p.info;
  }

  currentPlan(): ListenerPlan {
    return this.plan;
  }

  /** Loads the coin universe (when the plan has market-stream connections) and opens every connection. */
  async start(plan: ListenerPlan): Promise<void> {
    if (this.closing) return;
    if (this.ownHealth) this.health.start();
    const every = this.o.reportEveryMs ?? 1000;
    this.timers.push(this.clock.setInterval(() => this.report(), every));
    const refreshMs = this.o.universe?.refreshMs ?? CONFIG_DEFAULTS.listeners.universeRefreshIntervalMs;
    if (refreshMs > 0) this.timers.push(this.clock.setInterval(() => void this.refreshUniverse(), refreshMs));
    await this.applyPlan(plan);
  }

  /** Moves to `next` with minimal churn (diffPlans). Resolves once subscriptions are sent. */
  async applyPlan(next: ListenerPlan): Promise<void> {
    if (this.closing) return;
    for (const c of next.connections) {
      if (!this.pools.has(c.pool)) {
        throw new ValidationError(`plan connection ${c.id} uses unknown egress pool ${c.pool}`, []);
      }
    }
    if (next.connections.some((c) => c.kind === 'market-stream') && this.universe.list().length === 0) {
      await this.refreshUniverse();
      if (this.closing) return; // closed while the universe loaded: open nothing now
    }
    const prev = this.plan;
    const diff = diffPlans(prev, next);
    const prevRefs = new Map(this.directory.all().map((r) => [r.id, r]));
    this.plan = next;
    this.peers = connectionPeers(next);
    this.directory.rebuild(next);
    for (const id of diff.removedConnections) {
      const c = this.conns.get(id);
      this.conns.delete(id);
      if (c) await c.mc.close();
    }
    for (const c of next.connections) if (!this.conns.has(c.id)) this.openConnection(c);
    for (const ch of diff.changedConnections) {
      const c = this.conns.get(ch.id);
      if (!c) continue;
      for (const s of ch.unsubscribe) {
        const sub = userSubscription(s);
        if (sub) c.mc.unsubscribe(sub);
      }
      for (const s of ch.subscribe) {
        const sub = userSubscription(s);
        if (sub) c.mc.subscribe(sub);
      }
    }
    for (const [id, c] of this.conns) c.router?.setListeners(this.directory.onConnection(id));
    this.syncHealth(prevRefs);
    for (const id of this.conns.keys()) this.refreshConnection(id);
  }

  status(): ListenerManagerStatus {
    return buildStatus({
      now: this.clock.now(),
      plan: this.plan,
      directory: this.directory,
      health: this.health,
      connections: new Map([...this.conns].map(([id, c]) => [id, c.mc])),
      pools: this.pools,
      stateOf: (id) => this.states.get(id) ?? 'down',
      failovers: this.failovers,
      coins: this.universe.list().length,
    });
  }

  /** Idempotent: stops timers and rotations, closes every socket (no unsubscribes needed). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of this.timers) t.cancel();
      this.timers = [];
      // Requests in flight (coin universe, seeding, backfill) and their retries end now: a
      // retry timer or a fetch to an unreachable exchange would keep the process alive.
      for (const p of this.pools.values()) p.info.close();
      this.driver.close();
      this.gate.close();
      const all = [...this.conns.values()];
      this.conns.clear();
      await Promise.all(all.map((c) => c.mc.close().catch(() => undefined)));
      if (this.ownHealth) await this.health.close();
      if (this.ownRotation) await this.rotation.close();
    })();
    return this.closing;
  }

  // ---- connections -------------------------------------------------------------------------

  private openConnection(pc: PlannedConnection): void {
    const pool = this.pools.get(pc.pool) as EgressPoolHandle;
    const router =
      pc.kind === 'market-stream'
        ? new MarketStreamRouter(pc.id, {
            gate: this.gate,
            clock: this.clock,
            guard: this.fillGuard,
            onRawEvent: this.o.onRawEvent,
            onDeadLetter: this.o.onDeadLetter,
          })
        : null;
    const mc = new ManagedConnection({
      id: pc.id,
      kind: pc.kind,
      pool,
      url: this.o.wsUrl,
      clock: this.clock,
      logger: this.log,
      tuning: this.o.connection ?? {},
      ...(router ? { onRawFrame: router.onRawFrame } : {}),
      retryFor: (sub) => this.subscribeRetryFor(sub),
      ...(this.frameMemo ? { frameMemo: this.frameMemo } : {}),
    });
    const c: Conn = { mc, router, full: false, reportedFrameAt: null, socketId: mc.socketId };
    this.conns.set(pc.id, c);
    router?.setListeners(this.directory.onConnection(pc.id));
    const labels = (): {
      connectionId: string;
      pool: string;
      kind: typeof pc.kind;
      roles: ListenerRole[];
    } => ({
      connectionId: pc.id,
      pool: pc.pool,
      kind: pc.kind,
      roles: this.rolesOn(pc.id),
    });
    mc.events.on('frame', (f) => {
      if (pc.kind !== 'user-stream') return;
      handleUserStreamFrame(f, this.directory.onConnection(pc.id), {
        gate: this.gate,
        guard: this.fillGuard,
        prepared: this.prepared,
        onRawEvent: this.o.onRawEvent,
        onDeadLetter: this.o.onDeadLetter,
        now: () => this.clock.now(),
        onPositions: (e) =>
          this.events.emit('positions', {
            influencerIds: [...new Set(e.listeners.map((l) => l.influencerId))],
            user: e.user,
            listenerId: e.listeners[0]?.id ?? '',
            receivedAt: e.receivedAt,
            states: e.states,
          }),
      });
    });
    mc.events.on('opened', (e) => {
      this.events.emit('connectionOpened', { ...labels(), socketId: e.socketId, attempt: e.attempt });
      if (e.socketId === mc.socketId) {
        c.full = false;
        // A market-stream socket back after its users lost all coverage: hold their fills for the backfill.
        if (pc.kind === 'market-stream')
          for (const user of this.directory.onConnection(pc.id).keys()) this.gate.hold(user);
      }
    });
    mc.events.on('closed', (e) => {
      this.events.emit('connectionClosed', {
        ...labels(),
        socketId: e.socketId,
        code: e.code,
        reason: e.reason,
        cause: e.cause,
      });
      if (e.current && e.cause !== 'client') {
        c.full = false;
        if (!this.driver.isRotating(pc.id)) this.rotation.markDown(pc.id, e.cause);
      }
    });
    mc.events.on('reconnect', (e) => this.events.emit('reconnect', { ...labels(), ...e }));
    mc.events.on('subscribeRetry', (e) =>
      this.events.emit('subscribeRetry', {
        ...labels(),
        key: e.key,
        user: userOf(e.subscription),
        attempt: e.attempt,
        delayMs: e.delayMs,
        error: errorMessage(e.error),
      }),
    );
    mc.events.on('changed', () => this.refreshConnection(pc.id));
    mc.events.on('pong', (e) => {
      for (const r of this.directory.listenersOfConnection(pc.id)) this.health.recordPong(r.id, e.latencyMs);
    });
    mc.events.on('error', (e) => {
      this.log.warn({ err: e.error, connection: pc.id }, 'connection error');
      this.events.emit('error', { connectionId: pc.id, error: e.error });
    });
    mc.events.on('deadLetter', (d) => this.o.onDeadLetter?.(d));
    const subs =
      pc.kind === 'market-stream'
        ? this.universe.list().map((coin): Subscription => ({ type: 'trades', coin }))
        : pc.subscriptions.map(userSubscription).filter((s): s is Subscription => s !== null);
    for (const s of subs) mc.subscribe(s);
    try {
      mc.start();
    } catch (err) {
      this.log.error({ err, connection: pc.id }, 'connection could not start');
      this.events.emit('error', {
        connectionId: pc.id,
        error: err instanceof Error ? err : new Error(errorMessage(err)),
      });
    }
  }

  private subscribeRetryFor(sub: Subscription): SubscribeRetry {
    const base = defaultSubscribeRetry(this.o.connection ?? {});
    const user = userOf(sub);
    const overrides = user === null ? undefined : this.o.subscribeRetryOverrides?.(user);
    return overrides ? subscribeRetryWith(base, overrides) : base;
  }

  private rolesOn(connectionId: string): ListenerRole[] {
    const roles = new Set<ListenerRole>();
    for (const r of this.directory.listenersOfConnection(connectionId))
      roles.add(this.health.roleOf(r.id) ?? r.slot);
    return [...roles].sort();
  }

  /**
   * The gate's REST backfill. Its fills reach the fan-in without passing a listener, so they
   * are handed to the raw store here: the audit/replay trail must hold every fill a signal was
   * derived from (the overlap with fills already stored collapses in the raw table).
   */
  private async fetchBackfill(user: string, from: number, to: number): Promise<BackfillResult> {
    const r = await this.infoFor(user).userFillsByTimeAll(user, from, to);
    const onRaw = this.o.onRawEvent;
    if (onRaw) {
      for (const e of backfillRawEvents(r, this.directory.influencersOf(user), this.clock.now())) onRaw(e);
    }
    return r;
  }

  private infoFor(user: string): EgressPoolHandle['info'] {
    const ref = this.directory.listenersOfUser(user)[0];
    const pool = (ref && this.pools.get(ref.pool)) ?? (this.pools.values().next().value as EgressPoolHandle);
    return pool.info;
  }

  /**
   * A well-formed coin outside the universe may be a new listing: refresh (at most once a
   * minute). Its first fills are dead-lettered meanwhile; the position chain's gap repair
   * fetches them again over REST once the universe knows the coin.
   */
  private onUnknownCoin(coin: string): void {
    const now = this.clock.now();
    this.log.warn(
      { coin },
      'fill on a coin outside the known universe: dead-lettered; refreshing the universe',
    );
    if (now - this.unknownCoinRefreshAt < 60_000) return;
    this.unknownCoinRefreshAt = now;
    void this.refreshUniverse();
  }

  private async refreshUniverse(): Promise<void> {
    try {
      const { added, removed } = await this.universe.refresh();
      this.fillGuard.setUniverse(
        this.universe.list(),
        this.o.universe?.includeSpot ? ['perp', 'hip3', 'spot'] : ['perp', 'hip3'],
      );
      if (added.length === 0 && removed.length === 0) return;
      this.events.emit('universe', { added, removed, size: this.universe.list().length });
      for (const c of this.conns.values()) {
        if (c.mc.kind !== 'market-stream') continue;
        for (const coin of removed) c.mc.unsubscribe({ type: 'trades', coin });
        for (const coin of added) c.mc.subscribe({ type: 'trades', coin });
      }
    } catch (err) {
      if (this.closing) return; // cancelled by close()
      this.log.warn({ err }, 'coin universe refresh failed; keeping the last good one');
    }
  }

  // ---- health ------------------------------------------------------------------------------

  private syncHealth(prevRefs: ReadonlyMap<string, ListenerRef>): void {
    const seen = new Set<string>();
    for (const a of this.plan.assignments) {
      seen.add(a.influencerId);
      const p = this.directory.get(`${a.influencerId}/primary`);
      const s = this.directory.get(`${a.influencerId}/secondary`);
      const before = [prevRefs.get(`${a.influencerId}/primary`), prevRefs.get(`${a.influencerId}/secondary`)];
      const changed = before[0]?.kind !== p?.kind || before[1]?.kind !== s?.kind;
      if (!changed) continue;
      if (p && s) {
        this.health.registerPair({
          pairId: a.influencerId,
          primary: { listenerId: p.id, kind: p.kind },
          secondary: { listenerId: s.id, kind: s.kind },
        });
      } else this.health.unregisterPair(a.influencerId);
      const wasMarket = before.some((r) => r?.kind === 'market-stream');
      const isMarket = p?.kind === 'market-stream' || s?.kind === 'market-stream';
      if (wasMarket !== isMarket) {
        this.events.emit('marketStreamTracked', {
          influencerId: a.influencerId,
          user: a.address.toLowerCase(),
          tracked: isMarket,
        });
      }
    }
    for (const r of prevRefs.values()) {
      if (seen.has(r.influencerId)) continue;
      this.health.unregisterPair(r.influencerId);
      this.states.delete(r.id);
      if (r.kind === 'market-stream' && r.slot === 'primary') {
        this.events.emit('marketStreamTracked', {
          influencerId: r.influencerId,
          user: r.user,
          tracked: false,
        });
      }
    }
  }

  private onReconnectRequest(listenerId: string, reason: string): void {
    const ref = this.directory.get(listenerId);
    const c = ref && this.conns.get(ref.connectionId);
    if (!c || this.closing) return;
    void this.driver.rotate(c.mc, `degraded ${listenerId}: ${reason}`, false);
  }

  /** Recomputes every listener state on one connection after a socket/subscription change. */
  private refreshConnection(id: string): void {
    const c = this.conns.get(id);
    if (!c) return;
    const open = c.mc.isOpen();
    const active = c.mc.activeKeys();
    const desired = c.mc.desiredSubscriptions();
    if (open && !c.full && desired.length > 0 && desired.every((s) => active.has(subscriptionKey(s)))) {
      c.full = true;
      if (!this.driver.isRotating(id)) this.rotation.markUp(id);
    }
    // A make-before-break replacement hands over a socket that is already subscribed, so its
    // listeners never leave `subscribed`, and health clears a degraded mark only on a transition
    // into `subscribed`: without this a listener degraded by one missed fill stayed degraded
    // (its influencer single-covered) after the very reconnect that was meant to heal it.
    const replaced = c.socketId !== c.mc.socketId;
    c.socketId = c.mc.socketId;
    const listeners = [...this.directory.listenersOfConnection(id)];
    for (const r of listeners) {
      let hs: HealthState;
      if (!open) hs = c.mc.state === 'connecting' ? 'connecting' : 'disconnected';
      else if (r.kind === 'market-stream') hs = c.full ? 'subscribed' : 'connected';
      else
        hs = active.has(subscriptionKey({ type: 'userFills', user: r.user, aggregateByTime: false }))
          ? 'subscribed'
          : 'connected';
      if (replaced && hs === 'subscribed') this.health.setState(r.id, 'connected');
      this.health.setState(r.id, hs);
    }
    // Degraded marks are read after the state changes above (entering `subscribed` clears them).
    // Read for all of them before any state change event runs: a handler may change health.
    const degraded = listeners.map((r) => this.health.degradedOf(r.id));
    listeners.forEach((r, i) => this.refreshListener(r.id, degraded[i] ?? null));
  }

  private refreshListener(listenerId: string, degradedReason?: string | null): void {
    const r = this.directory.get(listenerId);
    if (!r) return;
    const degraded = degradedReason !== undefined ? degradedReason : this.health.degradedOf(listenerId);
    const c = this.conns.get(r.connectionId);
    let state: ListenerState;
    const open = c?.mc.isOpen() ?? false;
    const subscribed =
      r.kind === 'market-stream'
        ? c?.full === true
        : (c?.mc
            .activeKeys()
            .has(subscriptionKey({ type: 'userFills', user: r.user, aggregateByTime: false })) ?? false);
    if (!open) state = 'down';
    else if (degraded !== null) state = 'degraded';
    else state = subscribed ? 'subscribed' : 'connected';
    const from = this.states.get(listenerId) ?? 'down';
    if (from === state) return;
    this.states.set(listenerId, state);
    this.events.emit('listenerState', {
      listenerId,
      influencerId: r.influencerId,
      role: this.health.roleOf(listenerId) ?? r.slot,
      kind: r.kind,
      from,
      to: state,
    });
    this.onCoverage(r, from, state);
  }

  private onCoverage(r: ListenerRef, from: ListenerState, to: ListenerState): void {
    const live = (s: ListenerState | undefined): boolean => s === 'subscribed' || s === 'degraded';
    if (live(from) && !live(to)) {
      const any = this.directory.listenersOfUser(r.user).some((x) => live(this.states.get(x.id)));
      if (!any) this.gate.coverageLost(r.user);
    }
    if (!live(from) && live(to) && r.kind === 'market-stream') this.gate.resumed(r.user);
  }

  // ---- periodic report ----------------------------------------------------------------------

  private report(): void {
    for (const [id, c] of this.conns) {
      for (const [channel, count] of c.mc.channelCounts) {
        this.events.emit('messages', { connectionId: id, kind: c.mc.kind, channel, count });
      }
      c.mc.channelCounts.clear();
      if (c.mc.lastFrameAt !== null && c.mc.lastFrameAt !== c.reportedFrameAt) {
        c.reportedFrameAt = c.mc.lastFrameAt;
        for (const r of this.directory.listenersOfConnection(id)) this.health.recordMessage(r.id);
      }
    }
    for (const p of this.pools.values()) {
      this.events.emit('budget', {
        pool: p.name,
        usage: p.budget.usage(),
        limits: p.budget.limits,
        infoWeightUsed: p.info.weightBudget.used(),
      });
    }
    this.driver.checkPlanned();
  }
}
