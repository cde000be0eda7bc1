/**
 * Maps component events to Prometheus metrics (obs/Metrics). Components know nothing about
 * prom-client; this file is the whole mapping, so a dashboard question ("where does
 * ingest_failovers_total come from?") has one answer. Gauges that describe current state
 * (coverage, queue depth, spool size, open connections and listener states by current role)
 * are sampled on a short interval; budget use comes with the listener layer's periodic report.
 * Each part is wired only where its stage runs (a `processor` process has no listeners, a
 * `listeners` process no fan-in or positions).
 */
import type { ListenerKind, ListenerRole } from '../core/index.js';
import type { FanIn } from '../fanin/index.js';
import { FANIN_HOLD_REASONS } from '../fanin/index.js';
import type { ListenerManager } from '../listeners/index.js';
import type { Metrics } from '../obs/index.js';
import type { PositionEngine } from '../positions/index.js';
import { ABSORB_REASONS } from '../positions/index.js';
import { LISTENER_KINDS, marketClass } from '../core/index.js';
import type { SinkSet } from './sinks.js';

export interface WireMetricsDeps {
  readonly metrics: Metrics;
  /** Null in a `processor` process (no listeners there). */
  readonly manager: ListenerManager | null;
  /** Null in a `listeners` process (fan-in and positions run in the processors). */
  readonly fanIn: FanIn | null;
  readonly engine: PositionEngine | null;
  readonly sinks: SinkSet;
}

/** How often state gauges are sampled. */
export const GAUGE_SAMPLE_MS = 1000;

export interface MetricsWiring {
  /** Sample every state gauge now (tests call it before scraping). */
  sample(): void;
}

/**
 * The reason label of a shed record: a dead letter's reason code (also for a dead letter's
 * raw-store row), a raw event's type, or `signal`.
 */
export function shedReason(record: unknown): string {
  if (typeof record !== 'object' || record === null) return 'unknown';
  const r = record as { reason?: unknown; eventType?: unknown };
  if (typeof r.reason === 'string') return r.reason;
  if (typeof r.eventType === 'string') return r.eventType;
  return 'signal';
}

export function wireMetrics(d: WireMetricsDeps): MetricsWiring {
  const { metrics: m, manager, fanIn, engine, sinks } = d;
  const roleOf = (listenerId: string): ListenerRole => manager?.health.roleOf(listenerId) ?? 'primary';
  if (manager) wireListeners(m, manager);
  if (fanIn) wireFanIn(m, fanIn, manager, roleOf);
  if (engine) wireEngine(m, engine);
  wireSinks(m, sinks);
  const sample = (): void => {
    if (manager) sampleListeners(m, manager);
    sampleSinks(m, sinks);
  };
  return { sample };
}

const distinct = (roles: readonly ListenerRole[]): ListenerRole[] =>
  roles.length === 0 ? ['primary'] : [...new Set(roles)];

function wireListeners(m: Metrics, manager: ListenerManager): void {
  // Connections and listeners.
  manager.events.on('connectionOpened', (e) => {
    for (const role of distinct(e.roles)) m.connectionOpened({ role, kind: e.kind, pool: e.pool });
  });
  manager.events.on('connectionClosed', (e) => {
    for (const role of distinct(e.roles))
      m.connectionClosed({ role, kind: e.kind, pool: e.pool, reason: e.cause });
  });
  manager.events.on('reconnect', (e) => {
    for (const role of distinct(e.roles)) m.reconnect({ role, kind: e.kind, reason: e.reason });
  });
  manager.events.on('subscribeRetry', (e) => m.subscribeRetry({ kind: e.kind, pool: e.pool }));
  // Zero series per pool as soon as the pool reports, so "no retries" is a 0, not a gap.
  const retryPools = new Set<string>();
  manager.events.on('budget', (e) => {
    if (retryPools.has(e.pool)) return;
    retryPools.add(e.pool);
    for (const kind of LISTENER_KINDS) m.subscribeRetry({ kind, pool: e.pool }, 0);
  });
  manager.events.on('listenerState', (e) =>
    m.listenerState({ influencer: e.influencerId, role: e.role, kind: e.kind, state: e.to }),
  );
  // A swap because the primary lags is a role rotation; one because it died or degraded is a failover.
  manager.events.on('failover', (e) => {
    if (e.reason === 'sustained-lag') m.roleRotation({ influencer: e.influencerId, reason: e.reason });
    else m.failover({ influencer: e.influencerId, reason: e.reason });
  });
  manager.events.on('messages', (e) => {
    m.messageReceived({ channel: e.channel }, e.count);
    if (e.channel === 'trades') m.tradesSeen(e.count);
  });
  const weightSeen = new Map<string, number>();
  manager.events.on('budget', (e) => {
    const u = e.usage;
    const l = e.limits;
    m.budgetUse({ pool: e.pool, resource: 'users', used: u.users, limit: l.maxUsers });
    m.budgetUse({ pool: e.pool, resource: 'connections', used: u.connections, limit: l.maxConnections });
    m.budgetUse({
      pool: e.pool,
      resource: 'subscriptions',
      used: u.subscriptions,
      limit: l.maxSubscriptions,
    });
    m.budgetUse({
      pool: e.pool,
      resource: 'new_connections_per_minute',
      used: u.newConnectionsInWindow,
      limit: l.maxNewConnectionsPerWindow,
    });
    m.budgetUse({
      pool: e.pool,
      resource: 'messages_per_minute',
      used: u.messagesInWindow,
      limit: l.maxMessagesPerWindow,
    });
    const total = manager.infoClient(e.pool).weightBudget.total();
    const delta = total - (weightSeen.get(e.pool) ?? 0);
    weightSeen.set(e.pool, total);
    if (delta > 0) m.restWeightUsed(delta, { pool: e.pool });
  });
  manager.events.on('backfill', (e) =>
    m.gapBackfilled({ outcome: e.truncated ? 'truncated' : 'listener-backfill' }),
  );
  manager.events.on('backfillFailed', () => m.gapBackfilled({ outcome: 'failed' }));
}

function wireFanIn(
  m: Metrics,
  fanIn: FanIn,
  manager: ListenerManager | null,
  roleOf: (listenerId: string) => ListenerRole,
): void {
  // Fan-in: duplicates, misses, who was first and by how much.
  fanIn.events.on('duplicateSuppressed', (e) => m.duplicateSuppressed({ role: roleOf(e.listenerId) }));
  fanIn.events.on('missed', (e) => m.eventMissed({ role: roleOf(e.listenerId) }));
  // Keys held on evidence, by reason; every series reads 0 from the first scrape.
  for (const reason of FANIN_HOLD_REASONS) m.faninHeld({ reason }, 0);
  fanIn.events.on('held', (e) => m.faninHeld({ reason: e.reason }));
  fanIn.events.on('firstDelivery', (e) => {
    const influencer = e.listenerId.split('/')[0] ?? e.listenerId;
    m.listenerSkew({ influencer, ms: e.leadMs });
    const kind = manager?.kindOf(e.otherListenerId);
    if (kind) m.listenerLag({ role: roleOf(e.otherListenerId), kind, ms: e.leadMs });
  });
}

function wireEngine(m: Metrics, engine: PositionEngine): void {
  // Positions: signals, gaps and their repair.
  engine.events.on('signal', (s) =>
    m.signalEmitted({ action: s.action, marketClass: marketClass(s.market) }),
  );
  engine.events.on('gap', () => m.gapDetected());
  // Every fill dropped without a signal, by reason (the engine logs each one too).
  for (const reason of ABSORB_REASONS) m.fillDropped({ reason }, 0);
  engine.events.on('absorbed', (e) => m.fillDropped({ reason: e.reason }));
  engine.events.on('backfill', (e) => m.gapBackfilled({ outcome: e.truncated ? 'truncated' : 'backfilled' }));
  engine.events.on('reconcile', (e) => {
    if (e.changed) m.gapBackfilled({ outcome: 'reconciled' });
  });
}

/**
 * The sink queues' refusals: records poisoned for good and every record shed, by sink, reason
 * and what the spool did. Its own function so a test can flood real queues through it.
 */
export function wireSinkMetrics(
  m: Pick<Metrics, 'sinkPoisoned' | 'recordShed'>,
  sinks: Pick<SinkSet, 'signals' | 'raw' | 'deadLetterQueue' | 'deadLetters'>,
): void {
  // Records a sink refused for good; the series start at 0 so the alert's increase() sees the first.
  for (const [sink, q] of [
    ['signals', sinks.signals],
    ['raw-events', sinks.raw],
    ['dead-letters', sinks.deadLetterQueue],
  ] as const) {
    m.sinkPoisoned({ sink }, 0);
    q.events.on('poisoned', () => m.sinkPoisoned({ sink }));
    // Every shed record, by what it was and what the spool did (the queue also logs a summary).
    q.events.on('shed', (e) => m.recordShed({ sink, reason: shedReason(e.record), spool: e.spool }));
  }
  // Dead letters a closed queue refused (sheds are counted by the queue events above).
  sinks.deadLetters.events.on('lost', (e) => {
    if (e.error !== 'shed')
      m.recordShed({
        sink: e.target === 'dlq' ? 'dead-letters' : 'raw-events',
        reason: e.reason,
        spool: 'closed',
      });
  });
}

function wireSinks(m: Metrics, sinks: SinkSet): void {
  // Dead letters: every one but a sink's refusal was a rejected frame.
  sinks.deadLetters.events.on('deadLetter', (e) => {
    if (e.reason !== 'sink_rejected') m.frameRejected({ reason: e.reason });
    m.deadLettered({ reason: e.reason });
  });
  wireSinkMetrics(m, sinks);
}

function sampleListeners(m: Metrics, manager: ListenerManager): void {
  const status = manager.status();
  let dual = 0;
  let single = 0;
  let dark = 0;
  for (const inf of status.influencers) {
    if (inf.coverage === 'dual') dual++;
    else if (inf.coverage === 'single') single++;
    else dark++;
    // Roles swap on failover without a state event for either listener: re-assert the state
    // under each listener's current role, or the per-role series keep the pre-swap states.
    for (const l of inf.listeners)
      m.listenerState({ influencer: inf.influencer, role: l.role, kind: l.kind, state: l.state });
    m.influencerHealthyListeners(
      { influencer: inf.influencer },
      inf.listeners.filter((l) => l.healthy).length,
    );
  }
  m.coverage({ dual, single, dark });
  const open = new Map<string, { role: ListenerRole; kind: ListenerKind; pool: string; count: number }>();
  for (const c of status.connections) {
    if (c.state !== 'open') continue;
    const roles = status.influencers.flatMap((i) =>
      i.listeners.filter((l) => l.connectionId === c.id).map((l) => l.role),
    );
    for (const role of distinct(roles)) {
      const key = `${role}|${c.kind}|${c.pool}`;
      const entry = open.get(key) ?? { role, kind: c.kind, pool: c.pool, count: 0 };
      entry.count++;
      open.set(key, entry);
    }
  }
  m.connectionsOpenNow([...open.values()]);
}

function sampleSinks(m: Metrics, sinks: SinkSet): void {
  // Sink label values are the queue names sinks.ts gives onPublishLatency, so depth, spool
  // and publish latency of one sink share one `sink` value on the dashboard.
  for (const [sink, q] of [
    ['signals', sinks.signals],
    ['raw-events', sinks.raw],
    ['dead-letters', sinks.deadLetterQueue],
  ] as const) {
    const st = q.stats();
    m.sinkQueueDepth({ sink }, st.depth);
    m.spoolSize({ sink }, st.spoolBytes, st.spoolRecords);
  }
}
