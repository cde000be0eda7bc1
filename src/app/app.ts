/**
 * The composition root: the one place that builds the pipeline from config and wires
 * concrete adapters into ports. It only wires; each stage owns its job:
 *
 *   listeners (ListenerStage) --HandoffSink--> [in-process | Kafka] --HandoffSource-->
 *   fan-in -> positions (ProcessorStage) -> signal delivery (SignalDelivery) -> sinks.
 *
 * `distributed.role` picks the stages this process runs: `all` (the default) runs both
 * tiers joined by the in-process hand-off; `listeners` runs the listener stage into an
 * injected HandoffSink; `processor` runs the processor stage from an injected HandoffSource
 * (AppOptions.handoff, the seam the Kafka adapters plug into).
 *
 * Influencers come from Redis, a file or the simulator and are applied live (re-plan,
 * admit, remove). Shutdown is ordered and idempotent: influencer watch, listeners, hand-off
 * flush, fan-in drain, position settle, sinks flush (the rest stays fsync'd in the spool),
 * hand-off source (its last commits), clients.
 */
import type { Clock, IngesterTap, Logger, RedisPort } from '../core/index.js';
import { RepeatedWarnings, errorMessage, systemClock } from '../core/index.js';
import type { ServiceConfig } from '../config/index.js';
import type { HandoffSink, HandoffSource, InProcessHandoff, ListenerOwnership } from '../handoff/index.js';
import { createInProcessHandoff } from '../handoff/index.js';
import type { Influencer, InfluencerDiff } from '../influencers/index.js';
import { InfluencerWatcher } from '../influencers/index.js';
import type { ListenerManager } from '../listeners/index.js';
import { HandoffMetrics, Metrics, ObsServer } from '../obs/index.js';
import type { PositionEngine } from '../positions/index.js';
import type { FanIn } from '../fanin/index.js';
import type { Simulator } from '../sim/index.js';
import { DeliveryAcks } from './delivery-acks.js';
import { InfoFillHistory, InfoPositionSource } from './hl-adapters.js';
import { ListenerStage } from './listener-stage.js';
import { GAUGE_SAMPLE_MS, wireMetrics } from './metrics-wiring.js';
import { wireHandoffMetrics } from './handoff-metrics-wiring.js';
import type { FanInRouting } from './processor-stage.js';
import { ProcessorStage } from './processor-stage.js';
import { closeRedis } from './redis-lifecycle.js';
import { SignalDelivery } from './signal-delivery.js';
import type { SinkSet } from './sinks.js';
import { buildSinks } from './sinks.js';
import { StatusReporter } from './status.js';
import type { ProcessPart } from './roles.js';
import { checkHandoff, memberAdvert, partOf, slotsOf } from './roles.js';
import {
  buildCursorChain,
  buildDedup,
  connectRedis,
  cursorsInRedis,
  redisConnection,
  standaloneInfoClient,
} from './stores.js';

/**
 * The hand-off seam of a distributed process (issue #17). The App starts and closes what it is
 * given, in its ordered start-up and shutdown.
 */
export interface HandoffSeam {
  /** Role `listeners`: where the listeners publish (the Kafka bronze topic producer). */
  readonly sink?: HandoffSink;
  /** Role `processor`: what the fan-in consumes (the bronze topic consumer group). */
  readonly source?: HandoffSource;
  /** Role `listeners`: the influencers this process listens to; absent = all of them. */
  readonly ownership?: ListenerOwnership;
}

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
  /** Distributed roles: the durable hand-off's ends (role `all` builds its in-process one). */
  readonly handoff?: HandoffSeam;
}

/** A shutdown step taking at least this long is logged with its duration. */
const SLOW_SHUTDOWN_STEP_MS = 1000;

export class App {
  readonly config: ServiceConfig;
  readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly rootLogger: Logger & { level: string };
  private readonly clock: Clock;
  private readonly o: AppOptions;

  sim: Simulator | null = null;
  sinks: SinkSet | null = null;
  listeners: ListenerStage | null = null;
  processor: ProcessorStage | null = null;
  watcher: InfluencerWatcher | null = null;
  server: ObsServer | null = null;
  /** Hand-off deliveries acknowledged / pending (durable hand-off only). */
  acks: DeliveryAcks | null = null;
  private delivery: SignalDelivery | null = null;
  private handoffSink: HandoffSink | null = null;
  private handoffSource: HandoffSource | null = null;
  private inProcess: InProcessHandoff | null = null;
  private redis: RedisPort | null = null;
  /** Per-influencer warnings that repeat by the thousand at scale, rate-limited. */
  private readonly warnings: RepeatedWarnings;
  /** Samples state gauges (and coverage) now (tests call it before scraping /metrics). */
  sampleGauges: () => void = () => undefined;
  private gaugeTimer: { cancel(): void } | null = null;
  private influencers = new Map<string, Influencer>();
  /** address -> influencer ids, for a processor without listeners to route fills. */
  private byAddress = new Map<string, string[]>();
  private started = false;
  private closing: Promise<void> | null = null;
  private replanChain: Promise<void> = Promise.resolve();

  constructor(options: AppOptions) {
    this.o = options;
    this.config = options.config;
    this.rootLogger = options.logger;
    this.log = options.logger.child({ component: 'app' });
    this.clock = options.clock ?? systemClock;
    this.warnings = new RepeatedWarnings({ logger: this.log, clock: this.clock });
    this.metrics =
      options.metrics ?? new Metrics({ perInfluencerLabels: options.config.metrics.perInfluencerLabels });
  }

  /** URL of the ops HTTP server once started. */
  get httpUrl(): string | null {
    return this.server?.url ?? null;
  }

  get manager(): ListenerManager | null {
    return this.listeners?.manager ?? null;
  }

  get fanIn(): FanIn | null {
    return this.processor?.fanIn ?? null;
  }

  get engine(): PositionEngine | null {
    return this.processor?.engine ?? null;
  }

  /** Signals published since start, by action. */
  get signalCounts(): ReadonlyMap<string, number> {
    return this.delivery?.signalCounts ?? new Map();
  }

  /** The distributed hand-off adapters' own status (those that report one), for /status.json. */
  handoffStatus(): Record<string, unknown> | undefined {
    const seam = this.o.handoff;
    if (!seam) return undefined;
    const out: Record<string, unknown> = {};
    for (const [name, end] of Object.entries(seam)) {
      const status = (end as { status?: () => unknown } | undefined)?.status;
      if (typeof status === 'function') out[name] = status.call(end);
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }

  /** This process's part: role, and the listener group of a `listeners` process. */
  get part(): ProcessPart {
    return partOf(this.config);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { config, clock } = this;
    const logger = this.rootLogger;
    const role = config.distributed.role;
    checkHandoff(config, this.o.handoff);

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

    // 2. Where events come from (a processor reads the hand-off, not the exchange's streams).
    let wsUrl = config.hyperliquid.wsUrl;
    let infoUrl = config.hyperliquid.infoUrl;
    if (config.source.kind === 'simulator' && role !== 'processor') {
      const { startSimulator } = await import('../sim/index.js');
      const s = config.source.simulator;
      this.sim = await startSimulator(
        { seed: s.seed, accounts: s.accounts, tickMs: s.tickMs, host: s.host, port: s.port },
        { clock, logger },
      );
      wsUrl = this.sim.wsUrl;
      infoUrl = this.sim.infoUrl;
      this.log.info({ wsUrl, accounts: this.sim.accounts.length }, 'embedded simulator started');
    }

    // 3. Sinks (recovering any spool a killed predecessor left).
    this.sinks = await buildSinks({
      config,
      logger,
      clock,
      onPublishLatency: (sink, seconds) => this.metrics.publishLatency({ sink }, seconds),
      onSinkThreadGc: (kind, seconds) => this.metrics.sinkThreadGc({ kind }, seconds),
      derivesSignals: role !== 'listeners',
    });
    this.log.info({ sinks: this.sinks.describe }, 'sinks ready');

    // 4. Redis, when something needs it.
    const redisNeeded =
      config.influencers.source === 'redis' || config.fanin.dedup.redis.enabled || cursorsInRedis(config);
    if (redisNeeded && config.influencers.source !== 'simulator') {
      this.redis = await connectRedis(config, this.log);
    }

    // 5. The stages, joined by the hand-off. A distributed member says who it is (its ops URL)
    //    in its consumer group's join metadata, where `ingest cluster status` finds it.
    if (role !== 'all') {
      const advert = memberAdvert(config, this.server.url);
      this.o.handoff?.ownership?.advertise?.(advert);
      this.o.handoff?.source?.advertise?.(advert);
    }
    if (role === 'all') this.inProcess = createInProcessHandoff();
    this.handoffSink = this.inProcess?.sink ?? this.o.handoff?.sink ?? null;
    this.handoffSource = this.inProcess?.source ?? this.o.handoff?.source ?? null;
    const sinks = this.sinks;
    const enqueueRaw = (e: Parameters<SinkSet['raw']['enqueue']>[0]): void => this.enqueueRaw(e);
    if (this.handoffSink && role !== 'processor') {
      this.listeners = new ListenerStage({
        config,
        clock,
        logger,
        wsUrl,
        infoUrl,
        sink: this.handoffSink,
        slots: slotsOf(config),
        ownership: this.o.handoff?.ownership,
        influencers: () => this.influencers.values(),
        onRawEvent: enqueueRaw,
        onDeadLetter: (d) => void sinks.deadLetters.record(d),
        // Coverage is known where the listeners run; in role `all` the engine is here too. A
        // listener process publishes its listeners' states for the processor to judge instead.
        onDegraded: role === 'all' ? (id, degraded) => this.processor?.setDegraded(id, degraded) : undefined,
        listenerStateIntervalMs:
          role === 'listeners' ? config.distributed.listenerStateIntervalMs : undefined,
      });
    }
    const manager = this.listeners?.manager ?? null;
    const info = manager?.infoClient() ?? standaloneInfoClient(config, clock, logger, infoUrl);
    if (this.handoffSource && role !== 'listeners') {
      // A durable hand-off commits what the signal sink acknowledged; in-process has nothing to commit.
      this.acks = role === 'all' ? null : new DeliveryAcks();
      const acks = this.acks;
      const cursors = await buildCursorChain({
        config,
        redis: this.redis,
        clock,
        logger,
        metrics: this.metrics,
        onPersisted: acks ? (i, m, c) => acks.cursorPersisted(i, m, c) : undefined,
      });
      this.delivery = new SignalDelivery({
        clock,
        metrics: this.metrics,
        sinks,
        cursors,
        marketsOf: (id) => this.influencers.get(id)?.markets,
        tap: this.o.tap,
        onSignalLine: this.o.onSignalLine,
      });
      const influencersOf = (user: string): readonly string[] => this.route(user);
      const adapterOpts = { info, clock, logger, onBackfilledRaw: enqueueRaw, influencersOf };
      const dedup = await buildDedup(config, this.redis, clock, logger);
      if (this.closing) return;
      const routing: FanInRouting = manager
        ? {
            resolveInfluencers: manager.resolveInfluencers,
            observer: manager.health,
            expectedListeners: (id) => manager.health.expectedListeners(id),
            isExpectedFrom: manager.isExpectedFrom,
            isListenerLive: (id) => manager.health.isLive(id),
          }
        : { resolveInfluencers: influencersOf };
      this.processor = new ProcessorStage({
        config,
        clock,
        logger,
        dedup,
        cursors,
        fillHistory: new InfoFillHistory(adapterOpts),
        positionSource: new InfoPositionSource(adapterOpts),
        delivery: this.delivery,
        influencer: (id) => this.influencers.get(id),
        routing,
        acks,
        ...(role === 'processor'
          ? { listenerStateIntervalMs: config.distributed.listenerStateIntervalMs }
          : {}),
      });
    }
    const wiring = wireMetrics({
      metrics: this.metrics,
      manager,
      fanIn: this.fanIn,
      engine: this.engine,
      sinks,
    });
    // Only a distributed process registers the hand-off metrics (role `all` has no Kafka hand-off).
    const handoffWiring =
      role === 'all'
        ? { sample: () => undefined }
        : wireHandoffMetrics({
            metrics: HandoffMetrics.on(this.metrics.registry),
            clock,
            role,
            listenerGroup: config.distributed.listenerGroup,
            seam: this.o.handoff ?? {},
          });
    this.sampleGauges = () => {
      wiring.sample();
      handoffWiring.sample();
      this.listeners?.sampleCoverage();
    };
    this.gaugeTimer = clock.setInterval(() => {
      wiring.sample();
      handoffWiring.sample();
    }, GAUGE_SAMPLE_MS);
    // In one process the fan-in takes what the listeners publish from their first frame on.
    if (role === 'all' && this.processor && this.handoffSource)
      await this.processor.start(this.handoffSource);

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
    // A SIGTERM during start-up (30 000 influencers take minutes to seed) has already run the
    // ordered close: starting the watcher, the listeners or seeding now would leave timers and
    // sockets behind that nothing closes.
    if (this.closing) return;
    const initial = await this.watcher.start();
    if (this.closing) return;
    this.setInfluencers(initial);
    const ownership = this.o.handoff?.ownership;
    if (this.listeners && ownership) {
      ownership.onChange(() => this.enqueue(() => this.listeners?.applyPlan()));
      await ownership.start();
    }
    if (this.closing) return;
    await this.listeners?.start();
    if (this.closing) return;
    // admit() registers each influencer at once (its fills are buffered while it seeds), so a
    // processor may start consuming right after; it could not route fills before the set was known.
    const admitting = this.admitAll([...this.influencers.values()]);
    if (role === 'processor' && this.processor && this.handoffSource)
      await this.processor.start(this.handoffSource);
    await admitting;
    if (this.closing) return;
    this.log.info(
      { influencers: this.influencers.size, http: this.server.url, source: config.source.kind, ...this.part },
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
      const started = Date.now();
      try {
        await fn();
      } catch (err) {
        this.log.error({ err, step: name }, `shutdown step ${name} failed: ${errorMessage(err)}`);
      }
      // A slow step is named, so a shutdown near its deadline says where the time went.
      const ms = Date.now() - started;
      if (ms >= SLOW_SHUTDOWN_STEP_MS)
        this.log.info({ step: name, ms }, `shutdown step ${name} took ${ms} ms`);
    };
    this.log.info('shutting down');
    this.gaugeTimer?.cancel();
    // Stop sources first: no new fills while we drain.
    await step('influencers', () => this.watcher?.close() ?? Promise.resolve());
    await step('listeners', () => this.listeners?.close() ?? Promise.resolve());
    await step('ownership', () => this.o.handoff?.ownership?.close() ?? Promise.resolve());
    await step('simulator', () => this.sim?.close() ?? Promise.resolve());
    // What the listeners published is durable before the process goes (Kafka: acked).
    await step('handoff-sink', async () => {
      await this.handoffSink?.flush();
      await this.handoffSink?.close();
    });
    // Drain: the fan-in releases held blocks, the engine closes open blocks and emits.
    await step('fan-in', () => this.processor?.drainFanIn() ?? Promise.resolve());
    await step('positions', () => this.processor?.closePositions() ?? Promise.resolve());
    await step('sinks', () => this.sinks?.close(timeoutMs) ?? Promise.resolve());
    // After the sinks: their last acks release cursors and with them the hand-off's last commits.
    await step('handoff-source', () => this.handoffSource?.close() ?? Promise.resolve());
    this.delivery?.close();
    this.warnings.close();
    const redis = this.redis;
    if (redis) await step('redis', () => closeRedis(redis));
    await step('http', () => this.server?.close() ?? Promise.resolve());
    const signals = Object.fromEntries(this.signalCounts);
    this.log.info({ signals, lateFills: this.processor?.lateFills ?? 0 }, 'stopped');
  }

  private enqueueRaw(e: Parameters<SinkSet['raw']['enqueue']>[0]): void {
    if (this.o.tap && (e.eventType === 'fill' || e.eventType === 'trade'))
      this.o.tap.publish({ kind: 'fill', text: JSON.stringify(e), receivedAtMs: e.ingestTime });
    this.sinks?.raw.enqueue(e).catch((err: unknown) => {
      this.log.warn({ err, eventId: e.eventId }, `raw event not stored: ${errorMessage(err)}`);
    });
  }

  /** Influencer ids tracking a user: the listeners' directory when they run here, else the set. */
  private route(user: string): readonly string[] {
    return this.listeners?.manager.resolveInfluencers(user) ?? this.byAddress.get(user) ?? [];
  }

  // ---- influencers -------------------------------------------------------------------------

  private setInfluencers(list: readonly Influencer[]): void {
    this.influencers = new Map(list.map((i) => [i.id, i]));
    const byAddress = new Map<string, string[]>();
    for (const i of list) {
      if (!i.enabled) continue;
      const ids = byAddress.get(i.address);
      if (ids) ids.push(i.id);
      else byAddress.set(i.address, [i.id]);
    }
    this.byAddress = byAddress;
    this.o.handoff?.ownership?.setInfluencers?.(list.map((i) => i.id));
  }

  private enqueue(task: () => Promise<void> | undefined): void {
    this.replanChain = this.replanChain
      .then(task)
      .catch((err: unknown) =>
        this.log.error({ err }, `applying influencer change failed: ${errorMessage(err)}`),
      );
  }

  private enqueueReplan(diff: InfluencerDiff, current: readonly Influencer[]): void {
    this.enqueue(() => this.applyDiff(diff, current));
  }

  private async applyDiff(diff: InfluencerDiff, current: readonly Influencer[]): Promise<void> {
    if (this.closing) return;
    this.setInfluencers(current);
    // A disabled influencer is followed no more, exactly like a removed one: its positions are
    // dropped now (no late signals while it is off), and enabling it again re-seeds them from
    // the exchange, since the fills it made while off were never seen.
    const stopped = [
      ...diff.removed,
      ...diff.changed.filter((c) => c.before.enabled && !c.after.enabled).map((c) => c.before),
    ];
    for (const s of stopped) {
      this.processor?.remove(s.id);
      this.listeners?.forget(s.id);
      this.metrics.forgetInfluencer(s.id);
    }
    await this.listeners?.applyPlan();
    const moved = diff.changed.filter((c) => c.before.address !== c.after.address);
    const resumed = diff.changed.filter((c) => !c.before.enabled && c.after.enabled);
    for (const c of moved) this.processor?.remove(c.before.id);
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
    const processor = this.processor;
    if (!processor) return;
    await Promise.all(
      list
        .filter((i) => i.enabled)
        .map((i) =>
          processor.admit(i.id, i.address).catch((err: unknown) => {
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

  /**
   * Readiness of the cursor store: with cursors in Redis and Redis down, no influencer can be
   * seeded (added, moved or re-enabled ones get no positions), so the service is not ready.
   */
  cursorStoreState(): { ok: boolean; detail: string } {
    if (!cursorsInRedis(this.config) || this.config.distributed.role === 'listeners')
      return { ok: true, detail: 'in memory' };
    const status = this.redis?.status ?? 'starting';
    return status === 'ready'
      ? { ok: true, detail: 'redis' }
      : { ok: false, detail: `redis ${status}: influencers cannot be seeded or resumed` };
  }

  /** Settings a sink refuses (see SinkSet.configErrors), for /ready. */
  sinkConfigErrors(): readonly string[] {
    return this.sinks?.configErrors() ?? [];
  }
}
