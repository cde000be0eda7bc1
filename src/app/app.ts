/**
 * The composition root: the one place that builds the pipeline from config and wires
 * concrete adapters into ports.
 *
 *   source (simulator or Hyperliquid) -> ListenerManager (primary + secondary listeners per
 *   influencer) -> FanIn (dedup, per-(influencer, market) order) -> PositionEngine (signals)
 *   -> DurableQueue -> Kafka / local log;  raw fills -> ClickHouse / local;  dead letters -> DLQ.
 *
 * Influencers come from Redis, a file or the simulator and are applied live (re-plan,
 * admit, remove). Shutdown is ordered and idempotent: influencer watch, listeners, fan-in
 * drain, position settle, sinks flush (the rest stays fsync'd in the spool), clients.
 */
import type {
  Clock,
  Decimal,
  FillEvent,
  IngesterTap,
  Logger,
  RedisPort,
  TimerHandle,
} from '../core/index.js';
import { RepeatedWarnings, dec, errorMessage, systemClock } from '../core/index.js';
import type { ServiceConfig } from '../config/index.js';
import type { DedupStore, FanInBatch } from '../fanin/index.js';
import { FanIn, LayeredDedupStore, MemoryDedupStore } from '../fanin/index.js';
import type { Influencer, InfluencerDiff } from '../influencers/index.js';
import { InfluencerWatcher } from '../influencers/index.js';
import type { ListenerPlan } from '../listeners/index.js';
import { ListenerManager, fetchCoinUniverse, planListeners } from '../listeners/index.js';
import { retryOverridesOf } from './retry-overrides.js';
import { Metrics, ObsServer } from '../obs/index.js';
import type { CursorStore, PositionSnapshot, Signal } from '../positions/index.js';
import { MemoryCursorStore, PositionEngine, signalLine } from '../positions/index.js';
import type { Simulator } from '../sim/index.js';
import type { SinkRecord } from '../sinks/index.js';
import { AckGatedCursorStore } from './ack-gated-cursors.js';
import { InfoFillHistory, InfoPositionSource } from './hl-adapters.js';
import { GAUGE_SAMPLE_MS, wireMetrics } from './metrics-wiring.js';
import { egressPools, plannerInput } from './plan-input.js';
import { SignalSpans } from './signal-spans.js';
import { SignalStages } from './signal-stages.js';
import { toSinkRecord } from './signal-record.js';
import type { SinkSet } from './sinks.js';
import { buildSinks } from './sinks.js';
import { closeRedis } from './redis-lifecycle.js';
import { StatusReporter } from './status.js';
import { TimeGuardedCursorStore } from './time-guarded-cursors.js';

export interface AppOptions {
  readonly config: ServiceConfig;
  /** pino in production; anything Logger-shaped in tests. */
  readonly logger: Logger & { level: string };
  readonly clock?: Clock;
  /** Called with each signal's one-line form (local mode prints them). */
  readonly onSignalLine?: (line: string) => void;
  /** Registry and server are created here unless a test passes its own metrics. */
  readonly metrics?: Metrics;
  /** Raw fills and signals are also published here (the pipeline's influencer-ingester connector). */
  readonly tap?: IngesterTap;
}

/** Upper bound on receipt times remembered for end-to-end latency (entries are dropped on use). */
const MAX_RECEIPT_TIMES = 200_000;
/** Extra wait before a position-feed snapshot is compared, beyond reorder + settle windows. */
const RECONCILE_MARGIN_MS = 2000;
/** Unplaced listeners logged one by one before the rest are summarised. */
const UNPLACED_DETAIL_LINES = 10;

export class App {
  readonly config: ServiceConfig;
  readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly rootLogger: Logger & { level: string };
  private readonly clock: Clock;
  private readonly onSignalLine: ((line: string) => void) | undefined;
  private readonly tap: IngesterTap | undefined;

  sim: Simulator | null = null;
  sinks: SinkSet | null = null;
  manager: ListenerManager | null = null;
  fanIn: FanIn | null = null;
  engine: PositionEngine | null = null;
  watcher: InfluencerWatcher | null = null;
  server: ObsServer | null = null;
  private cursors: AckGatedCursorStore | null = null;
  private readonly spans = new SignalSpans();
  private readonly stages = new SignalStages();
  /** Per-influencer warnings that repeat by the thousand at scale, rate-limited. */
  private readonly warnings: RepeatedWarnings;
  private readonly pendingReconciles = new Set<TimerHandle>();
  /** Samples state gauges now (tests call it before scraping /metrics). */
  sampleGauges: () => void = () => undefined;
  private readonly closers: { name: string; close: () => Promise<unknown> }[] = [];
  private readonly receivedAt = new Map<string, number>();
  private influencers = new Map<string, Influencer>();
  private coinCount = 1;
  private started = false;
  private closing: Promise<void> | null = null;
  private fanInClosed = false;
  /** Fills that arrived after the fan-in closed during shutdown (not processed). */
  private lateFills = 0;
  private replanChain: Promise<void> = Promise.resolve();
  /** Signals published since start, by action (for the summary line at shutdown). */
  readonly signalCounts = new Map<string, number>();

  constructor(options: AppOptions) {
    this.config = options.config;
    this.rootLogger = options.logger;
    this.log = options.logger.child({ component: 'app' });
    this.clock = options.clock ?? systemClock;
    this.warnings = new RepeatedWarnings({ logger: this.log, clock: this.clock });
    this.onSignalLine = options.onSignalLine;
    this.tap = options.tap;
    this.metrics =
      options.metrics ?? new Metrics({ perInfluencerLabels: options.config.metrics.perInfluencerLabels });
  }

  /** URL of the ops HTTP server once started. */
  get httpUrl(): string | null {
    return this.server?.url ?? null;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { config, clock } = this;
    const logger = this.rootLogger;

    // 1. Ops endpoints first, so /health answers and /ready explains while the rest starts.
    const status = new StatusReporter({ app: this, clock });
    this.server = new ObsServer({
      host: config.http.host,
      port: config.http.port,
      ...(config.http.token === undefined ? {} : { token: config.http.token }),
      metrics: this.metrics,
      status,
      readiness: status,
      logLevel: this.rootLogger,
      logger,
      clock,
    });
    await this.server.start();
    this.closers.push({ name: 'http', close: () => this.server?.close() ?? Promise.resolve() });

    // 2. Where events come from.
    let wsUrl = config.hyperliquid.wsUrl;
    let infoUrl = config.hyperliquid.infoUrl;
    if (config.source.kind === 'simulator') {
      const { startSimulator } = await import('../sim/index.js');
      const s = config.source.simulator;
      this.sim = await startSimulator(
        { seed: s.seed, accounts: s.accounts, tickMs: s.tickMs, host: s.host, port: s.port },
        { clock, logger },
      );
      wsUrl = this.sim.wsUrl;
      infoUrl = this.sim.infoUrl;
      this.closers.push({ name: 'simulator', close: () => this.sim?.close() ?? Promise.resolve() });
      this.log.info({ wsUrl, accounts: this.sim.accounts.length }, 'embedded simulator started');
    }

    // 3. Sinks (recovering any spool a killed predecessor left).
    this.sinks = await buildSinks({
      config,
      logger,
      clock,
      onPublishLatency: (sink, seconds) => this.metrics.publishLatency({ sink }, seconds),
    });
    this.log.info({ sinks: this.sinks.describe }, 'sinks ready');

    // 4. Redis, when something needs it.
    const redisNeeded =
      config.influencers.source === 'redis' || config.fanin.dedup.redis.enabled || this.cursorsInRedis();
    const redis = redisNeeded && config.influencers.source !== 'simulator' ? await this.connectRedis() : null;
    if (redis) this.closers.push({ name: 'redis', close: () => closeRedis(redis) });

    // 5. Listeners, fan-in, positions.
    const manager = new ListenerManager({
      clock,
      logger,
      wsUrl,
      infoUrl,
      pools: egressPools(config),
      sink: { push: (fills) => this.onFills(fills) },
      onRawEvent: (e) => this.enqueueRaw(e),
      onDeadLetter: (d) => void this.sinks?.deadLetters.record(d),
      maxFutureSkewMs: config.hyperliquid.maxFutureSkewMs,
      connection: {
        maxFrameBytes: config.hyperliquid.maxFrameBytes,
        heartbeat: {
          intervalMs: config.hyperliquid.heartbeat.pingIntervalMs,
          timeoutMs: config.hyperliquid.heartbeat.pongTimeoutMs,
        },
        stall: { timeoutMs: config.hyperliquid.stallTimeoutMs },
        reconnect: {
          policy: { ...config.hyperliquid.reconnect, maxAttempts: Infinity },
        },
        subscribeRatePerSec: Math.max(
          1,
          Math.round(1000 / Math.max(1, config.hyperliquid.resubscribe.intervalMs)),
        ),
      },
      // Read at each retry: an edited record applies to the next refused subscribe.
      subscribeRetryOverrides: (user) => retryOverridesOf(this.influencers.values(), user),
      healthOptions: {
        lagThresholdMs: config.listeners.lagRotationThresholdMs,
        lagSustainMs: config.listeners.lagRotationSustainMs,
      },
      universe: { refreshMs: config.listeners.universeRefreshIntervalMs },
    });
    this.manager = manager;
    this.closers.push({ name: 'listeners', close: () => manager.close() });

    const info = manager.infoClient();
    const cursorStore: CursorStore =
      redis && this.cursorsInRedis() ? await redisCursorStore(redis, config) : new MemoryCursorStore();
    // A cursor dated in the future is never written nor resumed from (it would blind its stream).
    for (const op of ['write', 'read'] as const) this.metrics.cursorRefused({ op }, 0);
    const timeGuarded = new TimeGuardedCursorStore(cursorStore, {
      clock,
      logger,
      maxFutureSkewMs: config.hyperliquid.maxFutureSkewMs,
      onRefused: (e) => this.metrics.cursorRefused({ op: e.op }),
    });
    this.cursors = new AckGatedCursorStore(timeGuarded, logger);
    const adapterOpts = {
      info,
      clock,
      logger,
      onBackfilledRaw: (e: Parameters<App['enqueueRaw']>[0]) => this.enqueueRaw(e),
      influencersOf: (user: string) => manager.resolveInfluencers(user),
    };
    this.engine = new PositionEngine({
      logger,
      clock,
      fillHistory: new InfoFillHistory(adapterOpts),
      positionSource: new InfoPositionSource(adapterOpts),
      cursorStore: this.cursors,
      publish: (signal) => this.publish(signal),
      mode: config.positions.aggregation,
      settleMs: config.positions.settleWindowMs,
      signalClasses: config.positions.marketClasses,
      signalClassesFor: (id) => this.influencers.get(id)?.signal.marketClasses,
      modeFor: (id) => this.influencers.get(id)?.signal.aggregation,
    });

    const dedup = await this.buildDedup(redis);
    if (this.closing) return;
    this.fanIn = new FanIn({
      clock,
      logger,
      dedup,
      resolveInfluencers: manager.resolveInfluencers,
      deliver: (batch) => this.deliver(batch),
      reorderWindowMs: config.fanin.reorderWindowMs,
      gapHoldMs: config.fanin.gapHoldMs,
      missGraceMs: config.fanin.failoverGraceMs,
      observer: manager.health,
      expectedListeners: (id) => manager.health.expectedListeners(id),
      isExpectedFrom: manager.isExpectedFrom,
    });
    this.sinks.signals.events.on('delivered', ({ records }) => this.onSignalsAcked(records));
    // A signal Kafka refused for good is in the dead-letter path now: waiting for its ack would
    // hold its key's cursor forever, and a restart would only derive it (and be refused) again.
    this.engine.events.on('signal', (s) => this.stages.derived(s));
    this.sinks.signals.events.on('poisoned', ({ record }) => {
      this.stages.dropped(record.id);
      this.cursors?.signalsAcknowledged([record.id]);
      this.spans.deadLettered(record.id, this.clock.now());
    });
    const wiring = wireMetrics({
      metrics: this.metrics,
      manager,
      fanIn: this.fanIn,
      engine: this.engine,
      sinks: this.sinks,
      setDegraded: (id, degraded) => this.engine?.setDegraded(id, degraded),
    });
    this.sampleGauges = wiring.sample;
    const gaugeTimer = clock.setInterval(() => wiring.sample(), GAUGE_SAMPLE_MS);
    this.closers.push({ name: 'gauges', close: () => Promise.resolve(gaugeTimer.cancel()) });
    // Position feed pushes reconcile the engine, but only once every fill up to the snapshot's
    // time has had the chance to pass the fan-in's reorder window and the engine's settle
    // window; the engine itself skips a snapshot older than fills it already applied.
    const reconcileDelayMs =
      Math.max(config.fanin.reorderWindowMs, config.fanin.gapHoldMs) +
      config.positions.settleWindowMs +
      RECONCILE_MARGIN_MS;
    manager.events.on('positions', (p) => {
      const snap = positionsSnapshot(p.states, p.receivedAt);
      const timer = clock.setTimeout(() => {
        this.pendingReconciles.delete(timer);
        if (this.closing) return;
        for (const id of p.influencerIds) this.engine?.reconcile(id, snap);
      }, reconcileDelayMs);
      this.pendingReconciles.add(timer);
    });

    // 6. Influencers: load, plan, admit; then follow changes live.
    const { createInfluencerSource } = await import('../influencers/from-config.js');
    const source = createInfluencerSource(
      { influencers: config.influencers, redis: redisConnection(config) },
      { ...(this.sim ? { simulatorAccounts: this.sim.accounts } : {}), clock },
    );
    this.watcher = new InfluencerWatcher({
      source,
      reconcileIntervalMs: config.influencers.reconcileIntervalMs,
      clock,
      logger,
    });
    this.watcher.on('change', (e) => this.enqueueReplan(e.diff, e.current));
    this.watcher.on('rejected', (e) =>
      this.log.warn(
        { influencer: e.id, issues: e.issues, kept: e.kept },
        'invalid influencer record rejected',
      ),
    );
    this.coinCount = await this.coinUniverseSize(info);
    // A SIGTERM during start-up (30 000 influencers take minutes to seed) has already run the
    // ordered close: starting the watcher, the listeners or seeding now would leave timers and
    // sockets behind that nothing closes.
    if (this.closing) return;
    const initial = await this.watcher.start();
    if (this.closing) return;
    for (const i of initial) this.influencers.set(i.id, i);
    await manager.start(this.plan());
    if (this.closing) return;
    this.logPlan(manager.currentPlan());
    await this.admitAll([...this.influencers.values()]);
    if (this.closing) return;
    this.closers.push({ name: 'influencers', close: () => this.watcher?.close() ?? Promise.resolve() });
    this.log.info(
      { influencers: this.influencers.size, http: this.server.url, source: config.source.kind },
      'ingest started',
    );
  }

  /** Ordered, idempotent shutdown. Whatever cannot be delivered in time stays in the spool. */
  close(timeoutMs = 15_000): Promise<void> {
    this.closing ??= this.doClose(timeoutMs);
    return this.closing;
  }

  /** Current influencers (last good set). */
  currentInfluencers(): readonly Influencer[] {
    return [...this.influencers.values()];
  }

  private async doClose(timeoutMs: number): Promise<void> {
    const step = async (name: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        this.log.error({ err, step: name }, `shutdown step ${name} failed: ${errorMessage(err)}`);
      }
    };
    this.log.info('shutting down');
    for (const t of this.pendingReconciles) t.cancel();
    this.pendingReconciles.clear();
    for (const c of this.closers.filter((c) => c.name === 'gauges')) await step(c.name, c.close);
    // Stop sources first: no new fills while we drain.
    await step('influencers', () => this.watcher?.close() ?? Promise.resolve());
    await step('listeners', () => this.manager?.close() ?? Promise.resolve());
    await step('simulator', () => this.sim?.close() ?? Promise.resolve());
    // Drain: the fan-in releases held blocks, the engine closes open blocks and emits.
    this.fanInClosed = true;
    await step('fan-in', () => this.fanIn?.close() ?? Promise.resolve());
    await step('positions', async () => {
      this.engine?.flush();
      await this.engine?.idle();
      await this.engine?.close();
    });
    await step('sinks', () => this.sinks?.close(timeoutMs) ?? Promise.resolve());
    this.spans.endAll();
    this.warnings.close();
    for (const c of this.closers.filter((c) => ['redis', 'http'].includes(c.name)))
      await step(c.name, c.close);
    const counts = Object.fromEntries(this.signalCounts);
    this.log.info({ signals: counts, lateFills: this.lateFills }, 'stopped');
  }

  // ---- pipeline glue -------------------------------------------------------------------

  private onFills(fills: readonly FillEvent[]): void {
    if (this.fanInClosed) {
      // A frame already read when the listeners closed: the fan-in has drained and takes no
      // more. Counted in the `stopped` line; the next start backfills from the cursors.
      this.lateFills += fills.length;
      return;
    }
    for (const f of fills) {
      if (this.receivedAt.size >= MAX_RECEIPT_TIMES) {
        const oldest = this.receivedAt.keys().next();
        if (!oldest.done) this.receivedAt.delete(oldest.value);
      }
      if (!this.receivedAt.has(f.eventId)) this.receivedAt.set(f.eventId, f.source.receivedAt);
    }
    this.stages.received(fills);
    this.fanIn?.push(fills);
  }

  private deliver(batch: FanInBatch): void {
    const engine = this.engine;
    if (!engine) return;
    this.stages.leftFanIn(batch.fills);
    engine.ingestBlock(batch.influencerId, batch.fills);
  }

  private async publish(signal: Signal): Promise<void> {
    const sinks = this.sinks;
    if (!sinks) throw new Error('sinks not started');
    if (!this.signalsMarket(signal)) {
      this.stages.dropped(signal.signalId);
      for (const id of signal.sourceEventIds) this.receivedAt.delete(id);
      return;
    }
    // End-to-end latency starts at the first receipt of the earliest fill behind the signal.
    let first = Infinity;
    for (const id of signal.sourceEventIds) {
      const t = this.receivedAt.get(id);
      if (t !== undefined) {
        first = Math.min(first, t);
        this.receivedAt.delete(id);
      }
    }
    const receivedAt = Number.isFinite(first) ? first : this.clock.now();
    const traceId = this.spans.start(signal, receivedAt);
    const record = toSinkRecord(signal, receivedAt, traceId);
    this.tap?.publish({ kind: 'signal', text: record.value, receivedAtMs: this.clock.now() });
    this.cursors?.signalEnqueued(signal.influencerId, signal.market, signal.signalId);
    this.stages.enqueued(signal.signalId);
    const outcome = await sinks.signals.enqueue(record);
    if (outcome === 'shed') {
      this.stages.dropped(signal.signalId);
      this.cursors?.signalsAcknowledged([signal.signalId]);
    }
    this.signalCounts.set(signal.action, (this.signalCounts.get(signal.action) ?? 0) + 1);
    this.onSignalLine?.(signalLine(signal));
  }

  /**
   * An influencer's `markets` (empty = all) restricts what is signalled, not what is tracked:
   * the engine follows every market, so widening the list later starts from true positions.
   */
  private signalsMarket(signal: Signal): boolean {
    const markets = this.influencers.get(signal.influencerId)?.markets;
    return markets === undefined || markets.length === 0 || markets.includes(signal.market);
  }

  private onSignalsAcked(records: readonly SinkRecord[]): void {
    this.cursors?.signalsAcknowledged(records.map((r) => r.id));
    const now = this.clock.now();
    this.spans.acknowledged(
      records.map((r) => r.id),
      now,
    );
    for (const r of records) this.metrics.endToEndLatency(Math.max(0, now - r.createdAt) / 1000);
    for (const t of this.stages.acknowledged(records.map((r) => r.id))) this.metrics.signalStages(t);
  }

  private enqueueRaw(e: Parameters<SinkSet['raw']['enqueue']>[0]): void {
    if (this.tap && (e.eventType === 'fill' || e.eventType === 'trade'))
      this.tap.publish({ kind: 'fill', text: JSON.stringify(e), receivedAtMs: e.ingestTime });
    this.sinks?.raw.enqueue(e).catch((err: unknown) => {
      this.log.warn({ err, eventId: e.eventId }, `raw event not stored: ${errorMessage(err)}`);
    });
  }

  // ---- influencers and planning -----------------------------------------------------------

  private plan(): ListenerPlan {
    const input = plannerInput(this.config, [...this.influencers.values()], this.coinCount);
    return planListeners(input, this.manager?.currentPlan());
  }

  private logPlan(plan: ListenerPlan): void {
    // One line per unplaced listener was 29 941 lines for 30 000 influencers: a few in full,
    // then one summary by reason.
    for (const u of plan.unplaced.slice(0, UNPLACED_DETAIL_LINES)) {
      this.log.warn(
        { influencer: u.influencerId, role: u.role, reason: u.reason },
        `listener not placed: ${u.detail}`,
      );
    }
    if (plan.unplaced.length > UNPLACED_DETAIL_LINES) {
      const byReason: Record<string, number> = {};
      for (const u of plan.unplaced) byReason[u.reason] = (byReason[u.reason] ?? 0) + 1;
      this.log.warn(
        { unplaced: plan.unplaced.length, byReason },
        `${plan.unplaced.length} listeners not placed in all (${UNPLACED_DETAIL_LINES} shown above)`,
      );
    }
    this.log.info(
      {
        connections: plan.connections.length,
        capacity: plan.capacity,
        assignments: plan.assignments.length,
        unplaced: plan.unplaced.length,
      },
      'listener plan applied',
    );
  }

  private enqueueReplan(diff: InfluencerDiff, current: readonly Influencer[]): void {
    this.replanChain = this.replanChain
      .then(() => this.applyDiff(diff, current))
      .catch((err: unknown) =>
        this.log.error({ err }, `applying influencer change failed: ${errorMessage(err)}`),
      );
  }

  private async applyDiff(diff: InfluencerDiff, current: readonly Influencer[]): Promise<void> {
    if (!this.manager || !this.engine || this.closing) return;
    this.influencers = new Map(current.map((i) => [i.id, i]));
    // A disabled influencer is followed no more, exactly like a removed one: its positions are
    // dropped now (no late signals while it is off), and enabling it again re-seeds them from
    // the exchange, since the fills it made while off were never seen.
    const stopped = [
      ...diff.removed,
      ...diff.changed.filter((c) => c.before.enabled && !c.after.enabled).map((c) => c.before),
    ];
    for (const s of stopped) {
      this.engine.remove(s.id);
      this.metrics.forgetInfluencer(s.id);
    }
    await this.manager.applyPlan(this.plan());
    this.logPlan(this.manager.currentPlan());
    const moved = diff.changed.filter((c) => c.before.address !== c.after.address);
    const resumed = diff.changed.filter((c) => !c.before.enabled && c.after.enabled);
    for (const c of moved) this.engine.remove(c.before.id);
    await this.admitAll([...diff.added, ...moved.map((c) => c.after), ...resumed.map((c) => c.after)]);
    this.log.info(
      {
        added: diff.added.map((i) => i.id),
        removed: diff.removed.map((i) => i.id),
        changed: diff.changed.map((c) => c.id),
      },
      'influencer change applied',
    );
  }

  private async admitAll(list: readonly Influencer[]): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    await Promise.all(
      list
        .filter((i) => i.enabled)
        .map((i) =>
          engine.admit(i.id, i.address).catch((err: unknown) => {
            if (this.closing) return; // cancelled by shutdown, not a failure
            // The engine buffers fills and admit() may be retried: keep the rest running.
            this.warnings.error('seeding positions failed', {
              err,
              influencer: i.id,
              reason: errorMessage(err),
            });
          }),
        ),
    );
  }

  private async coinUniverseSize(info: Parameters<typeof fetchCoinUniverse>[0]): Promise<number> {
    try {
      return (await fetchCoinUniverse(info)).length;
    } catch (err) {
      this.log.warn({ err }, `coin universe unavailable, planning with an estimate: ${errorMessage(err)}`);
      return 300;
    }
  }

  private async buildDedup(redis: RedisPort | null): Promise<DedupStore> {
    const d = this.config.fanin.dedup;
    const memory = new MemoryDedupStore({ maxEntries: d.memoryMaxEntries, ttlMs: d.memoryTtlMs });
    if (!d.redis.enabled || !redis) return memory;
    const { RedisDedupStore } = await import('../fanin/adapters.js');
    const remote = new RedisDedupStore({
      redis,
      keyPrefix: `${this.config.redis.keyPrefix}dedup:`,
    });
    return new LayeredDedupStore({
      memory,
      remote,
      clock: this.clock,
      logger: this.rootLogger,
      remoteTtlMs: d.redis.ttlMs,
    });
  }

  /**
   * Against an exchange, positions are seeded and resumed from cursors in Redis unless the
   * operator chose `positions.cursorStore: memory`; the simulator always runs from memory.
   */
  private cursorsInRedis(): boolean {
    return this.config.source.kind !== 'simulator' && this.config.positions.cursorStore === 'redis';
  }

  /**
   * Readiness of the cursor store: with cursors in Redis and Redis down, no influencer can be
   * seeded (added, moved or re-enabled ones get no positions), so the service is not ready.
   */
  cursorStoreState(): { ok: boolean; detail: string } {
    if (!this.cursorsInRedis()) return { ok: true, detail: 'in memory' };
    const status = this.redis?.status ?? 'starting';
    return status === 'ready'
      ? { ok: true, detail: 'redis' }
      : { ok: false, detail: `redis ${status}: influencers cannot be seeded or resumed` };
  }

  /** Settings a sink refuses (see SinkSet.configErrors), for /ready. */
  sinkConfigErrors(): readonly string[] {
    return this.sinks?.configErrors() ?? [];
  }

  private redis: RedisPort | null = null;

  private async connectRedis(): Promise<RedisPort> {
    const { createRedis, redisUnavailable } = await import('../influencers/redis-adapter.js');
    const conn = redisConnection(this.config);
    const client = createRedis(conn, 'service');
    this.redis = client;
    try {
      await client.connect();
    } catch (err) {
      if (this.cursorsInRedis()) {
        // Without cursors nothing can be seeded: the service would run and emit nothing.
        client.disconnect();
        throw redisUnavailable(err, conn.url, client);
      }
      // Only dedup or the influencer list use it: ioredis keeps reconnecting, users degrade to memory.
      this.log.warn(
        { err },
        `redis unreachable at start-up, retrying in the background: ${errorMessage(err)}`,
      );
    }
    return client;
  }
}

function redisConnection(config: ServiceConfig) {
  return {
    url: config.redis.url,
    ...(config.redis.username === undefined ? {} : { username: config.redis.username }),
    ...(config.redis.password === undefined ? {} : { password: config.redis.password }),
    tls: config.redis.tls,
    keyPrefix: config.redis.keyPrefix,
  };
}

async function redisCursorStore(redis: RedisPort, config: ServiceConfig): Promise<CursorStore> {
  const { RedisCursorStore } = await import('../positions/adapters.js');
  return new RedisCursorStore({ redis, keyPrefix: config.redis.keyPrefix });
}

function positionsSnapshot(
  states: readonly (readonly [
    string,
    { assetPositions: readonly { position: { coin: string; szi: string } }[]; time: number },
  ])[],
  receivedAt: number,
): PositionSnapshot {
  const positions = new Map<string, Decimal>();
  let time = 0;
  for (const [, s] of states) {
    time = Math.max(time, s.time);
    for (const ap of s.assetPositions) {
      const szi = dec(ap.position.szi);
      if (!szi.isZero()) positions.set(ap.position.coin, szi);
    }
  }
  // Only the dexes this push covers: a main-dex push says nothing about HIP-3 markets.
  return { positions, time: time || receivedAt, dexes: states.map(([dex]) => dex) };
}
