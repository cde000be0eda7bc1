/**
 * Maps domain events to prom-client metrics. One small typed method per event, each an arrow
 * property so the composition root can pass it straight as a callback
 * (`listeners.on('failover', metrics.failover)`). Methods never throw: a metrics bug must not
 * take down ingestion, so failures are logged once per method and dropped.
 *
 * Cardinality: labels are closed sets or bounded by LabelGuard. Per-influencer series exist
 * only where an SRE needs them per influencer (state, healthy listeners, skew, failovers);
 * per-(influencer, market) message counts are off unless `perInfluencerLabels` is set.
 * The registry is an injected instance, never prom-client's global one.
 *
 * Hot path (per fill or per signal: messages, lag, skew, duplicates, signals, latencies): the
 * metrics are FastCounter / FastHistogram and each method keeps the bound series of every label
 * set it has seen, so an update costs a Map lookup and an increment, not prom-client's label
 * hashing; the per-influencer skew gauge is written at scrape time from the latest values.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { silentLogger } from '../core/index.js';
import type { ListenerKind, ListenerRole, Logger } from '../core/index.js';
import { FastCounter, FastHistogram } from './fast-metrics.js';
import type { CounterChild, HistogramChild } from './fast-metrics.js';
import { LabelGuard } from './label-guard.js';
import {
  COVERAGE_CLASSES,
  LAG_BUCKETS_SECONDS,
  LATENCY_BUCKETS_SECONDS,
  METRIC_NAMES as N,
  SIGNAL_STAGES,
  STAGE_BUCKETS_SECONDS,
} from './metric-names.js';
import type * as E from './metric-events.js';
import { ThreadTimeDeltas, readThreadTimes } from './thread-sched.js';

/** Two scrapes closer than this share one /proc read (both thread-time counters collect). */
const THREAD_READ_MIN_INTERVAL_MS = 50;

export interface MetricsOptions {
  /** Registry to register on; default a fresh `new Registry()` (never the global one). */
  readonly registry?: Registry;
  /** Count messages per (influencer, market); default false (cardinality: influencers x markets). */
  readonly perInfluencerLabels?: boolean;
  /** Register prom-client's process/runtime metrics (unprefixed `process_*`, `nodejs_*`); default true. */
  readonly collectDefaultMetrics?: boolean;
  /** Distinct influencer label values kept per metric; default 5000. */
  readonly maxInfluencers?: number;
  /** Distinct market label values kept per metric; default 2000. */
  readonly maxMarkets?: number;
  /** Labels applied to every series (e.g. `{ instance_ip: 'a' }`); default none. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
}

interface ListenerSlot {
  kind: ListenerKind;
  state: string;
}

const ms = (v: number): number => (Number.isFinite(v) && v > 0 ? v / 1000 : 0);
const count = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 0);

export class Metrics {
  readonly registry: Registry;
  readonly perInfluencerLabels: boolean;
  private readonly log: Logger;
  private readonly guard: LabelGuard;
  private readonly failedMethods = new Set<string>();
  private readonly listenerSlots = new Map<string, ListenerSlot>();
  private readonly marketsByInfluencer = new Map<string, Set<string>>();
  /** Bound hot-path series by raw label values (label-guarded once, on first sight). */
  private readonly lagBound = new Bound2<HistogramChild>();
  private readonly msgBound = new Bound2<CounterChild>();
  private readonly forBound = new Bound2<CounterChild>();
  private readonly signalBound = new Bound2<CounterChild>();
  private readonly roleBound = new Bound2<CounterChild>();
  private readonly publishBound = new Bound2<HistogramChild>();
  private readonly skewChild: HistogramChild;
  private readonly e2eChild: HistogramChild;
  private readonly ageChild: HistogramChild;
  private readonly tradesChild: CounterChild;
  private readonly latestSkew = new Map<string, number>();
  private readonly stageChildren: Readonly<Record<(typeof SIGNAL_STAGES)[number], HistogramChild>>;

  private readonly m;

  constructor(options: MetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    this.perInfluencerLabels = options.perInfluencerLabels ?? false;
    this.log = (options.logger ?? silentLogger).child({ component: 'obs.metrics' });
    if (options.defaultLabels !== undefined) this.registry.setDefaultLabels({ ...options.defaultLabels });
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Counter<L>({ name, help, labelNames, registers });
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
      new Gauge<L>({ name, help, labelNames, registers });

    const fastCounter = (name: string, help: string, labelNames: readonly string[] = []) =>
      new FastCounter({ name, help, labelNames, registers });
    const fastHistogram = (
      name: string,
      help: string,
      buckets: readonly number[],
      labelNames: readonly string[] = [],
    ) => new FastHistogram({ name, help, labelNames, buckets, registers });
    const latestSkew = this.latestSkew;
    // Both thread-time counters move from one /proc read per scrape, whichever collects first.
    const threadDeltas = new ThreadTimeDeltas();
    let threadsReadAt = -Infinity;
    const threadCounters: { cpu?: Counter<'thread'>; wait?: Counter<'thread'> } = {};
    const refreshThreads = (): void => {
      const now = performance.now();
      if (now - threadsReadAt < THREAD_READ_MIN_INTERVAL_MS) return;
      threadsReadAt = now;
      const times = readThreadTimes();
      if (times === null) return;
      const d = threadDeltas.next(times);
      threadCounters.cpu?.inc({ thread: 'main' }, d.main.cpu);
      threadCounters.cpu?.inc({ thread: 'other' }, d.other.cpu);
      threadCounters.wait?.inc({ thread: 'main' }, d.main.wait);
      threadCounters.wait?.inc({ thread: 'other' }, d.other.wait);
    };

    this.m = {
      connectionsOpened: counter(N.connectionsOpened, 'WebSocket connections opened.', [
        'role',
        'kind',
        'pool',
      ]),
      connectionsClosed: counter(N.connectionsClosed, 'WebSocket connections closed, by reason.', [
        'role',
        'kind',
        'pool',
        'reason',
      ]),
      connectionsOpen: gauge(N.connectionsOpen, 'WebSocket connections currently open.', [
        'role',
        'kind',
        'pool',
      ]),
      reconnects: counter(N.reconnects, 'Listener reconnect attempts, by reason.', [
        'role',
        'kind',
        'reason',
      ]),
      subscribeRetries: counter(
        N.subscribeRetries,
        'Subscribes the server (or our budget) refused, scheduled to be tried again on the same connection.',
        ['kind', 'pool'],
      ),
      listenerState: gauge(N.listenerState, 'Current state of each listener (1 = in this state).', [
        'influencer',
        'role',
        'kind',
        'state',
      ]),
      listeners: gauge(N.listeners, 'Listeners per role, kind and state.', ['role', 'kind', 'state']),
      listenerLag: fastHistogram(
        N.listenerLag,
        'Delivery lag of a listener behind block time.',
        LAG_BUCKETS_SECONDS,
        ['role', 'kind'],
      ),
      listenerSkew: fastHistogram(
        N.listenerSkew,
        'Delay of the slower listener behind the faster one for the same event.',
        LAG_BUCKETS_SECONDS,
      ),
      influencerSkew: new Gauge<'influencer'>({
        name: N.influencerSkew,
        help: 'Latest skew between the two listeners of an influencer.',
        labelNames: ['influencer'],
        registers,
        // Written at scrape time: a skew arrives with every second copy of a fill.
        collect() {
          for (const [influencer, s] of latestSkew) this.set({ influencer }, s);
        },
      }),
      failovers: counter(N.failovers, 'Failovers from one listener to the other, by reason.', ['reason']),
      influencerFailovers: counter(N.influencerFailovers, 'Failovers per influencer.', ['influencer']),
      roleRotations: counter(N.roleRotations, 'Primary/secondary role rotations, by reason.', ['reason']),
      messagesReceived: fastCounter(N.messagesReceived, 'WebSocket messages received, by channel.', [
        'channel',
      ]),
      influencerMessagesReceived: fastCounter(
        N.influencerMessagesReceived,
        'Messages per influencer and market (only when per-influencer labels are enabled).',
        ['influencer', 'market'],
      ),
      signalsEmitted: fastCounter(N.signalsEmitted, 'Position signals emitted, by action and market class.', [
        'action',
        'market_class',
      ]),
      duplicatesSuppressed: fastCounter(N.duplicatesSuppressed, 'Events dropped by fan-in as already seen.', [
        'role',
      ]),
      eventsMissed: fastCounter(N.eventsMissed, 'Events a listener never delivered (the other one did).', [
        'role',
      ]),
      framesRejected: counter(N.framesRejected, 'Inbound frames that failed parsing or validation.', [
        'reason',
      ]),
      deadLetters: counter(N.deadLetters, 'Records written to the dead-letter path.', ['reason']),
      gapsDetected: counter(N.gapsDetected, 'Position gaps detected (fills missing).'),
      gapsBackfilled: counter(N.gapsBackfilled, 'Gap backfills finished, by outcome.', ['outcome']),
      restWeightUsed: counter(N.restWeightUsed, 'Info API request weight spent.', ['pool']),
      budgetUsed: gauge(N.budgetUsed, 'Per-egress-IP budget in use.', ['pool', 'resource']),
      budgetLimit: gauge(N.budgetLimit, 'Per-egress-IP budget limit.', ['pool', 'resource']),
      sinkQueueDepth: gauge(N.sinkQueueDepth, 'Records waiting in a sink queue.', ['sink']),
      spoolBytes: gauge(N.spoolBytes, 'Bytes in the on-disk spool of a sink.', ['sink']),
      spoolRecords: gauge(N.spoolRecords, 'Records in the on-disk spool of a sink.', ['sink']),
      sinkPoisoned: counter(
        N.sinkPoisoned,
        'Records a sink refused for good, isolated and sent to the dead-letter path.',
        ['sink'],
      ),
      recordsShed: counter(
        N.recordsShed,
        'Records a sink queue dropped because memory was full, by sink, record reason and what the spool was doing.',
        ['sink', 'reason', 'spool'],
      ),
      fillsDropped: counter(
        N.fillsDropped,
        'Fills the position engine absorbed without a signal (stale, duplicate, seed overlap, ...), by reason.',
        ['reason'],
      ),
      faninHolds: counter(
        N.faninHolds,
        'Latency-first fan-in: (influencer, market) keys held on evidence, by reason (gap, late, peer_behind).',
        ['reason'],
      ),
      cursorsRefused: counter(
        N.cursorsRefused,
        'Cursors with a time beyond now + the allowed skew, refused on write or ignored on read.',
        ['op'],
      ),
      sinkPublishDuration: fastHistogram(
        N.sinkPublishDuration,
        'Time to publish one batch to a sink.',
        LATENCY_BUCKETS_SECONDS,
        ['sink'],
      ),
      sinkThreadGc: fastHistogram(
        N.sinkThreadGc,
        "Garbage-collection pauses of the signal sink's thread, by kind (the main thread's are nodejs_gc_duration_seconds).",
        LATENCY_BUCKETS_SECONDS,
        ['kind'],
      ),
      endToEndLatency: fastHistogram(
        N.endToEndLatency,
        'Local receipt of a fill to the Kafka ack of its signal.',
        LATENCY_BUCKETS_SECONDS,
      ),
      signalStage: fastHistogram(
        N.signalStage,
        'Time a signal spent between two points of the pipeline (stage), on a monotonic clock: frame receipt, fan-in out, signal derived, sink enqueue, sink ack.',
        STAGE_BUCKETS_SECONDS,
        ['stage'],
      ),
      signalAge: fastHistogram(
        N.signalAge,
        "A signal's age when Kafka acknowledged it: its block time (the exchange's clock) to the ack (this host's wall clock). What a consumer sees; includes the exchange's delivery lag and clock skew.",
        STAGE_BUCKETS_SECONDS,
      ),
      coverage: gauge(N.coverage, 'Influencers by healthy-listener coverage.', ['coverage']),
      influencerHealthyListeners: gauge(
        N.influencerHealthyListeners,
        'Healthy listeners per influencer (0-2).',
        ['influencer'],
      ),
      tradesSeen: fastCounter(N.tradesSeen, 'Market trades seen on any stream (proof that markets trade).'),
      threadCpu: (threadCounters.cpu = new Counter<'thread'>({
        name: N.threadCpu,
        help: "Seconds this process's threads ran on a CPU: the event-loop thread (main) and all others.",
        labelNames: ['thread'],
        registers,
        collect: refreshThreads,
      })),
      threadCpuWait: (threadCounters.wait = new Counter<'thread'>({
        name: N.threadCpuWait,
        help: "Seconds this process's threads were ready to run but had no CPU (an overcommitted host).",
        labelNames: ['thread'],
        registers,
        collect: refreshThreads,
      })),
      labelOverflow: counter(N.labelOverflow, 'Label values folded into "other" by the cardinality guard.', [
        'metric',
        'label',
      ]),
    };

    this.guard = new LabelGuard({
      caps: { influencer: options.maxInfluencers ?? 5000, market: options.maxMarkets ?? 2000 },
      onOverflow: (metric, label) => this.m.labelOverflow.inc({ metric, label }),
    });
    // Series that must read 0 (not be absent) from the first scrape, so alerts on rate() and
    // the coverage panels work before the first event.
    for (const coverage of COVERAGE_CLASSES) this.m.coverage.set({ coverage }, 0);
    // Misses and duplicates by role: a healthy service may never miss a fill, and the
    // dashboard's per-role panels (and `increase()` in alerts) need a 0, not a missing series.
    for (const role of ['primary', 'secondary'] as const satisfies readonly ListenerRole[]) {
      this.m.eventsMissed.inc({ role }, 0);
      this.m.duplicatesSuppressed.inc({ role }, 0);
    }
    this.m.gapsDetected.inc(0);
    const stage = this.m.signalStage;
    this.stageChildren = Object.fromEntries(
      SIGNAL_STAGES.map((s) => [s, stage.child({ stage: s })]),
    ) as Record<(typeof SIGNAL_STAGES)[number], HistogramChild>;
    // Unlabelled metrics read 0 from the first scrape, as prom-client's own do.
    this.tradesChild = this.m.tradesSeen.child();
    this.skewChild = this.m.listenerSkew.child();
    this.e2eChild = this.m.endToEndLatency.child();
    this.ageChild = this.m.signalAge.child();
    if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  // --- connections -------------------------------------------------------------------------

  readonly connectionOpened = (e: E.ConnectionLabels): void =>
    this.safe('connectionOpened', () => {
      const l = this.conn(e);
      this.m.connectionsOpened.inc(l);
      this.m.connectionsOpen.inc(l);
    });

  readonly connectionClosed = (e: E.ConnectionClosed): void =>
    this.safe('connectionClosed', () => {
      const l = this.conn(e);
      this.m.connectionsClosed.inc({ ...l, reason: this.g(N.connectionsClosed, 'reason', e.reason) });
      this.m.connectionsOpen.dec(l);
    });

  /**
   * Replaces every `ingest_connections_open` series with the sockets open now, labelled with the
   * roles their listeners hold now. The opened/closed events keep the gauge moving between
   * samples, but a failover moves roles between sockets without any socket event, so without
   * this sample a socket stayed counted under the role it had when it opened (and its close
   * decremented a different series).
   */
  readonly connectionsOpenNow = (open: readonly (E.ConnectionLabels & { readonly count: number })[]): void =>
    this.safe('connectionsOpenNow', () => {
      this.m.connectionsOpen.reset();
      for (const c of open) this.m.connectionsOpen.inc(this.conn(c), count(c.count));
    });

  readonly reconnect = (e: E.Reconnect): void =>
    this.safe('reconnect', () =>
      this.m.reconnects.inc({ role: e.role, kind: e.kind, reason: this.g(N.reconnects, 'reason', e.reason) }),
    );

  readonly subscribeRetry = (e: E.SubscribeRetry, n = 1): void =>
    this.safe('subscribeRetry', () =>
      this.m.subscribeRetries.inc(
        { kind: e.kind, pool: this.g(N.subscribeRetries, 'pool', e.pool) },
        count(n),
      ),
    );

  // --- listeners ---------------------------------------------------------------------------

  /** Keeps exactly one `ingest_listener_state` series per listener: the old state's is removed. */
  readonly listenerState = (e: E.ListenerStateChange): void =>
    this.safe('listenerState', () => {
      const influencer = this.g(N.listenerState, 'influencer', e.influencer);
      const state = this.g(N.listeners, 'state', e.state);
      const key = `${influencer}\u0000${e.role}`;
      const prev = this.listenerSlots.get(key);
      if (prev !== undefined) {
        if (prev.state === state && prev.kind === e.kind) return;
        this.m.listenerState.remove({ influencer, role: e.role, kind: prev.kind, state: prev.state });
        this.m.listeners.dec({ role: e.role, kind: prev.kind, state: prev.state });
      }
      this.listenerSlots.set(key, { kind: e.kind, state });
      this.m.listenerState.set({ influencer, role: e.role, kind: e.kind, state }, 1);
      this.m.listeners.inc({ role: e.role, kind: e.kind, state });
    });

  readonly listenerLag = (e: E.ListenerLag): void => {
    try {
      (
        this.lagBound.get(e.role, e.kind) ??
        this.lagBound.set(e.role, e.kind, this.m.listenerLag.child({ role: e.role, kind: e.kind }))
      ).observe(ms(e.ms));
    } catch (err) {
      this.failed('listenerLag', err);
    }
  };

  readonly listenerSkew = (e: E.ListenerSkew): void => {
    try {
      const s = ms(e.ms);
      this.skewChild.observe(s);
      const influencer = this.latestSkew.has(e.influencer)
        ? e.influencer
        : this.g(N.influencerSkew, 'influencer', e.influencer);
      this.latestSkew.set(influencer, s);
    } catch (err) {
      this.failed('listenerSkew', err);
    }
  };

  readonly failover = (e: E.Failover): void =>
    this.safe('failover', () => {
      this.m.failovers.inc({ reason: this.g(N.failovers, 'reason', e.reason) });
      this.m.influencerFailovers.inc({
        influencer: this.g(N.influencerFailovers, 'influencer', e.influencer),
      });
    });

  readonly roleRotation = (e: E.RoleRotation): void =>
    this.safe('roleRotation', () =>
      this.m.roleRotations.inc({ reason: this.g(N.roleRotations, 'reason', e.reason) }),
    );

  readonly coverage = (e: E.CoverageSummary): void =>
    this.safe('coverage', () => {
      this.m.coverage.set({ coverage: 'dual' }, count(e.dual));
      this.m.coverage.set({ coverage: 'single' }, count(e.single));
      this.m.coverage.set({ coverage: 'dark' }, count(e.dark));
    });

  readonly influencerHealthyListeners = (e: { readonly influencer: string }, n: number): void =>
    this.safe('influencerHealthyListeners', () =>
      this.m.influencerHealthyListeners.set(
        { influencer: this.g(N.influencerHealthyListeners, 'influencer', e.influencer) },
        count(n),
      ),
    );

  // --- messages, fan-in, signals -------------------------------------------------------------

  /** `n` frames at once: the listener layer reports counts per interval, not per frame. */
  readonly messageReceived = (e: E.MessageReceived, n = 1): void => {
    try {
      (
        this.msgBound.get('', e.channel) ??
        this.msgBound.set(
          '',
          e.channel,
          this.m.messagesReceived.child({ channel: this.g(N.messagesReceived, 'channel', e.channel) }),
        )
      ).value += count(n);
    } catch (err) {
      this.failed('messageReceived', err);
    }
  };

  /** A no-op unless per-influencer labels are enabled (influencers x markets series). */
  readonly messageReceivedFor = (e: E.MessageReceivedFor): void => {
    if (!this.perInfluencerLabels) return;
    try {
      let c = this.forBound.get(e.influencer, e.market);
      if (c === undefined) {
        const influencer = this.g(N.influencerMessagesReceived, 'influencer', e.influencer);
        const market = this.g(N.influencerMessagesReceived, 'market', e.market);
        let markets = this.marketsByInfluencer.get(influencer);
        if (markets === undefined) this.marketsByInfluencer.set(influencer, (markets = new Set()));
        markets.add(market);
        c = this.forBound.set(
          e.influencer,
          e.market,
          this.m.influencerMessagesReceived.child({ influencer, market }),
        );
      }
      c.value++;
    } catch (err) {
      this.failed('messageReceivedFor', err);
    }
  };

  readonly tradesSeen = (n = 1): void => {
    try {
      this.tradesChild.value += count(n);
    } catch (err) {
      this.failed('tradesSeen', err);
    }
  };

  readonly signalEmitted = (e: E.SignalEmitted): void => {
    try {
      (
        this.signalBound.get(e.action, e.marketClass) ??
        this.signalBound.set(
          e.action,
          e.marketClass,
          this.m.signalsEmitted.child({
            action: this.g(N.signalsEmitted, 'action', e.action),
            market_class: e.marketClass,
          }),
        )
      ).value++;
    } catch (err) {
      this.failed('signalEmitted', err);
    }
  };

  readonly duplicateSuppressed = (e: E.ByRole): void => {
    try {
      (
        this.roleBound.get('dup', e.role) ??
        this.roleBound.set('dup', e.role, this.m.duplicatesSuppressed.child({ role: e.role }))
      ).value++;
    } catch (err) {
      this.failed('duplicateSuppressed', err);
    }
  };

  readonly eventMissed = (e: E.ByRole): void => {
    try {
      (
        this.roleBound.get('missed', e.role) ??
        this.roleBound.set('missed', e.role, this.m.eventsMissed.child({ role: e.role }))
      ).value++;
    } catch (err) {
      this.failed('eventMissed', err);
    }
  };

  readonly frameRejected = (e: E.ByReason): void =>
    this.safe('frameRejected', () =>
      this.m.framesRejected.inc({ reason: this.g(N.framesRejected, 'reason', e.reason) }),
    );

  readonly deadLettered = (e: E.ByReason): void =>
    this.safe('deadLettered', () =>
      this.m.deadLetters.inc({ reason: this.g(N.deadLetters, 'reason', e.reason) }),
    );

  readonly gapDetected = (): void => this.safe('gapDetected', () => this.m.gapsDetected.inc());

  readonly gapBackfilled = (e: E.GapBackfilled): void =>
    this.safe('gapBackfilled', () =>
      this.m.gapsBackfilled.inc({ outcome: this.g(N.gapsBackfilled, 'outcome', e.outcome) }),
    );

  // --- budgets -------------------------------------------------------------------------------

  readonly restWeightUsed = (weight: number, e: E.ByPool): void =>
    this.safe('restWeightUsed', () =>
      this.m.restWeightUsed.inc({ pool: this.g(N.restWeightUsed, 'pool', e.pool) }, count(weight)),
    );

  readonly budgetUse = (e: E.BudgetUse): void =>
    this.safe('budgetUse', () => {
      const l = {
        pool: this.g(N.budgetUsed, 'pool', e.pool),
        resource: this.g(N.budgetUsed, 'resource', e.resource),
      };
      this.m.budgetUsed.set(l, count(e.used));
      this.m.budgetLimit.set(l, count(e.limit));
    });

  // --- sinks ---------------------------------------------------------------------------------

  readonly sinkQueueDepth = (e: E.BySink, n: number): void =>
    this.safe('sinkQueueDepth', () => this.m.sinkQueueDepth.set({ sink: this.sink(e) }, count(n)));

  readonly spoolSize = (e: E.BySink, bytes: number, records: number): void =>
    this.safe('spoolSize', () => {
      const sink = this.sink(e);
      this.m.spoolBytes.set({ sink }, count(bytes));
      this.m.spoolRecords.set({ sink }, count(records));
    });

  readonly publishLatency = (e: E.BySink, seconds: number): void => {
    try {
      (
        this.publishBound.get('', e.sink) ??
        this.publishBound.set('', e.sink, this.m.sinkPublishDuration.child({ sink: this.sink(e) }))
      ).observe(count(seconds));
    } catch (err) {
      this.failed('publishLatency', err);
    }
  };

  /** One GC pause of the sink thread; `kind` is minor, major, incremental or weakcb. */
  readonly sinkThreadGc = (e: { readonly kind: string }, seconds: number): void =>
    this.safe('sinkThreadGc', () => this.m.sinkThreadGc.observe({ kind: e.kind }, count(seconds)));

  /** `n = 0` creates the series, so `increase()` in the alert sees the first poisoned record. */
  readonly sinkPoisoned = (e: E.BySink, n = 1): void =>
    this.safe('sinkPoisoned', () => this.m.sinkPoisoned.inc({ sink: this.sink(e) }, count(n)));

  /** One record a sink queue shed; `spool` says what the spool did (none, full, behind, ...). */
  readonly recordShed = (e: E.BySink & E.ByReason & { readonly spool: string }, n = 1): void =>
    this.safe('recordShed', () =>
      this.m.recordsShed.inc(
        {
          sink: this.sink(e),
          reason: this.g(N.recordsShed, 'reason', e.reason),
          spool: this.g(N.recordsShed, 'spool', e.spool),
        },
        count(n),
      ),
    );

  /** `n = 0` creates the series. */
  /** A fan-in key started being held (FanIn `held` event); n = 0 pre-creates the series. */
  readonly faninHeld = (e: E.ByReason, n = 1): void =>
    this.safe('faninHeld', () =>
      this.m.faninHolds.inc({ reason: this.g(N.faninHolds, 'reason', e.reason) }, count(n)),
    );

  readonly fillDropped = (e: E.ByReason, n = 1): void =>
    this.safe('fillDropped', () =>
      this.m.fillsDropped.inc({ reason: this.g(N.fillsDropped, 'reason', e.reason) }, count(n)),
    );

  /** `n = 0` creates the series. */
  readonly cursorRefused = (e: { readonly op: 'write' | 'read' }, n = 1): void =>
    this.safe('cursorRefused', () => this.m.cursorsRefused.inc({ op: e.op }, count(n)));

  readonly endToEndLatency = (seconds: number): void => {
    try {
      this.e2eChild.observe(count(seconds));
    } catch (err) {
      this.failed('endToEndLatency', err);
    }
  };

  /** Block time to Kafka ack of one signal, wall clock (see ingest_signal_age_seconds). */
  readonly signalAge = (seconds: number): void => {
    try {
      this.ageChild.observe(count(seconds));
    } catch (err) {
      this.failed('signalAge', err);
    }
  };

  /**
   * One acknowledged signal's path through the stages, each a monotonic time in ms
   * (performance.now()): consecutive stages and the two totals the latency targets name.
   */
  readonly signalStages = (t: E.SignalStageTimes): void => {
    try {
      const c = this.stageChildren;
      const d = (a: number, b: number): number => count((b - a) / 1000);
      c.receipt_to_fanin.observe(d(t.receipt, t.faninOut));
      c.fanin_to_derived.observe(d(t.faninOut, t.derived));
      c.derived_to_enqueue.observe(d(t.derived, t.enqueued));
      c.enqueue_to_ack.observe(d(t.enqueued, t.acked));
      c.receipt_to_derived.observe(d(t.receipt, t.derived));
      c.receipt_to_ack.observe(d(t.receipt, t.acked));
    } catch (err) {
      this.failed('signalStages', err);
    }
  };

  // --- lifecycle -----------------------------------------------------------------------------

  /** Drops every per-influencer series of an influencer that is no longer tracked. */
  readonly forgetInfluencer = (influencer: string): void =>
    this.safe('forgetInfluencer', () => {
      for (const role of ['primary', 'secondary'] as const satisfies readonly ListenerRole[]) {
        const key = `${influencer}\u0000${role}`;
        const slot = this.listenerSlots.get(key);
        if (slot === undefined) continue;
        this.m.listenerState.remove({ influencer, role, kind: slot.kind, state: slot.state });
        this.m.listeners.dec({ role, kind: slot.kind, state: slot.state });
        this.listenerSlots.delete(key);
      }
      this.m.influencerHealthyListeners.remove({ influencer });
      this.m.influencerSkew.remove({ influencer });
      this.latestSkew.delete(influencer);
      this.forBound.delete(influencer);
      this.m.influencerFailovers.remove({ influencer });
      for (const market of this.marketsByInfluencer.get(influencer) ?? []) {
        this.m.influencerMessagesReceived.remove({ influencer, market });
      }
      this.marketsByInfluencer.delete(influencer);
      for (const name of [
        N.listenerState,
        N.influencerSkew,
        N.influencerFailovers,
        N.influencerHealthyListeners,
        N.influencerMessagesReceived,
      ]) {
        this.guard.forget(name, 'influencer', influencer);
      }
    });

  /** The Prometheus exposition of every metric in the registry. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  // --- internals -----------------------------------------------------------------------------

  private g(metric: string, label: string, value: string): string {
    return this.guard.value(metric, label, value);
  }

  private conn(e: E.ConnectionLabels): { role: ListenerRole; kind: ListenerKind; pool: string } {
    return { role: e.role, kind: e.kind, pool: this.g(N.connectionsOpened, 'pool', e.pool) };
  }

  private sink(e: E.BySink): string {
    return this.g(N.sinkQueueDepth, 'sink', e.sink);
  }

  private safe(method: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.failed(method, err);
    }
  }

  private failed(method: string, err: unknown): void {
    if (this.failedMethods.has(method)) return;
    this.failedMethods.add(method);
    this.log.warn({ err, method }, 'metrics update failed; further failures of this method are not logged');
  }
}

/** Bound series by two raw label values, without building a key string per update. */
class Bound2<C> {
  private readonly m = new Map<string, Map<string, C>>();

  get(a: string, b: string): C | undefined {
    return this.m.get(a)?.get(b);
  }

  set(a: string, b: string, c: C): C {
    let inner = this.m.get(a);
    if (inner === undefined) this.m.set(a, (inner = new Map()));
    inner.set(b, c);
    return c;
  }

  delete(a: string): void {
    this.m.delete(a);
  }
}
