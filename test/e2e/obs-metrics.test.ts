/**
 * Metrics acceptance on the real App: the embedded simulator, two egress pools on different
 * loopback IPs (127.0.0.1 and 127.0.0.2), four influencers with a primary and a secondary
 * listener each. Faults are injected in a fixed order so their effect is countable:
 *
 *   1. a short silent stall of every connection (fills lost on both listeners -> position gaps
 *      -> REST backfill);
 *   2. three connection drops of the pool carrying the most primaries, each waited out until
 *      every influencer is dual again (failovers == primaries on the dropped pool);
 *   3. delivery latency on the pool carrying every primary (sustained-lag role rotations ==
 *      primaries on that pool);
 *   4. malformed frames of each kind on the pool carrying only secondaries (dead letters, no
 *      failover: a secondary that misses a fill degrades but never swaps roles).
 *
 * Then trading stops, everything drains, and one `/metrics` scrape over HTTP must hold every
 * metric of the catalogue with the value the app's own events (or the injected counts) say.
 * Every metric name used by the Grafana dashboard and the Prometheus alerts must be in it too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { App } from '../../src/app/index.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { IngesterTap, silentLogger } from '../../src/core/index.js';
import type { MalformKind } from '../../src/sim/index.js';
import {
  ALL_METRIC_NAMES,
  HANDOFF_METRIC_NAMES,
  METRIC_NAMES as N,
  SIGNAL_STAGES,
} from '../../src/obs/index.js';
import { dashboardExprs, promqlMetricNames } from '../obs/deploy-lint.js';
import type { Exposition } from '../obs/prom-text.js';
import { find, parseExposition, value } from '../obs/prom-text.js';
import { until } from '../kit/index.js';
import { appPerTest } from '../kit/app-per-test.js';

const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });

function bump<K>(m: Map<K, number>, k: K, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

const POOLS = { 'ip-a': '127.0.0.1', 'ip-b': '127.0.0.2' } as const;
type Pool = keyof typeof POOLS;
const DROP_ROUNDS = 3;
/** No new signal for this long after trading stops counts as drained (reconcile delay is ~2.2 s here). */
const QUIET_MS = 3000;
/** Delivery latency injected on the primaries' pool: above the lag threshold, below the miss grace. */
const LAG_MS = 400;
/**
 * Injected malformed frames and the dead-letter reason each must get. `wrong-types` turns the
 * decimal strings (px / szi) into JSON numbers, and the parser files any decimal-field issue
 * under bad_decimal ahead of schema_mismatch, so both typed kinds land there.
 */
const MALFORMED: readonly { kind: MalformKind; count: number; reason: string }[] = [
  { kind: 'invalid-json', count: 2, reason: 'invalid_json' },
  { kind: 'wrong-types', count: 2, reason: 'bad_decimal' },
  { kind: 'bad-decimal', count: 3, reason: 'bad_decimal' },
];
const INJECTED_BY_REASON = new Map<string, number>();
for (const m of MALFORMED) bump(INJECTED_BY_REASON, m.reason, m.count);

function configFor(dir: string) {
  return parseServiceConfig({
    source: { kind: 'simulator', simulator: { seed: 11, accounts: 4, tickMs: 40, port: 0 } },
    influencers: { source: 'simulator' },
    hyperliquid: {
      // Pings every 50 s: none falls inside the short stall of phase 1 (a lost pong would be a
      // disconnect, and a disconnect an uncounted failover).
      heartbeat: { pingIntervalMs: 50_000, pongTimeoutMs: 10_000 },
      stallTimeoutMs: 55_000,
      reconnect: { initialDelayMs: 100, maxDelayMs: 400, jitter: 0 },
      egressPools: Object.entries(POOLS).map(([name, localAddress]) => ({ name, localAddress })),
    },
    listeners: { lagRotationThresholdMs: 150, lagRotationSustainMs: 1500 },
    fanin: { failoverGraceMs: 2000 },
    positions: { marketClasses: ['perp', 'hip3', 'spot', 'outcome'] },
    sinks: { local: { dir: join(dir, 'out') }, spool: { dir: join(dir, 'spool') } },
    http: { port: 0 },
  });
}

const sum = (exp: Exposition, name: string, labels: Record<string, string> = {}): number =>
  find(exp, name, labels).reduce((a, s) => a + s.value, 0);

/**
 * The sink thread's GC series start at its first reported pause, which a short, light run may
 * not have (test/sinks/threaded-queue.test.ts provokes one).
 */
const SINK_THREAD_GC = N.sinkThreadGc;

describe('metrics acceptance on the running app', () => {
  const t = appPerTest('ingest-obs-metrics-');

  it('exports every metric with the values the injected faults and the app events imply', async () => {
    const dir = t.dir();
    // Signals are counted from a tap attached before start: the app may emit (seeding, the
    // first trades) before start() returns, and the metrics count those too.
    const tap = new IngesterTap();
    const signalsByAction = new Map<string, number>();
    let signalsEmitted = 0;
    tap.subscribe((r) => {
      if (r.kind !== 'signal') return;
      signalsEmitted++;
      bump(signalsByAction, (JSON.parse(r.text) as { action: string }).action);
    });
    const app = t.track(new App({ config: configFor(dir), logger, tap }));
    await app.start();
    const { sim, manager, fanIn, engine, sinks } = app;
    if (!sim || !manager || !fanIn || !engine || !sinks || !app.httpUrl) throw new Error('app not started');
    const url = app.httpUrl;

    // ---- what the app saw, from its own events -------------------------------------------
    const failovers: { reason: string; influencer: string }[] = [];
    let duplicates = 0;
    let missed = 0;
    let gaps = 0;
    const backfills = new Map<string, number>();
    const deadLetters = new Map<string, number>();
    const opened = new Map<string, number>();
    const reconnects = new Map<string, number>();
    const messages = new Map<string, number>();
    const distinct = (roles: readonly string[]): string[] =>
      roles.length ? [...new Set(roles)] : ['primary'];
    manager.events.on('failover', (e) => failovers.push({ reason: e.reason, influencer: e.influencerId }));
    manager.events.on('connectionOpened', (e) => {
      for (const role of distinct(e.roles)) bump(opened, `${role}|${e.kind}|${e.pool}`);
    });
    manager.events.on('reconnect', (e) => {
      for (const role of distinct(e.roles)) bump(reconnects, `${role}|${e.kind}|${e.reason}`);
    });
    manager.events.on('messages', (e) => bump(messages, e.channel, e.count));
    const subscribeRetries = new Map<string, number>();
    manager.events.on('subscribeRetry', (e) => bump(subscribeRetries, `${e.kind}|${e.pool}`));
    manager.events.on('backfill', (e) => bump(backfills, e.truncated ? 'truncated' : 'listener-backfill'));
    manager.events.on('backfillFailed', () => bump(backfills, 'failed'));
    engine.events.on('gap', () => gaps++);
    engine.events.on('backfill', (e) => bump(backfills, e.truncated ? 'truncated' : 'backfilled'));
    engine.events.on('reconcile', (e) => {
      if (e.changed) bump(backfills, 'reconciled');
    });
    fanIn.events.on('duplicateSuppressed', () => duplicates++);
    fanIn.events.on('missed', () => missed++);
    // Delivered since start, from the queue itself (the same reason as the tap above).
    const delivered = (): number => sinks.signals.stats().delivered;
    sinks.deadLetters.events.on('deadLetter', (e) => bump(deadLetters, e.reason));

    // Sockets that opened before the handlers above were attached (start() may return after them).
    const initial = manager.status();
    for (const c of initial.connections.filter((c) => c.state === 'open')) {
      const roles = initial.influencers.flatMap((i) =>
        i.listeners.filter((l) => l.connectionId === c.id).map((l) => l.role),
      );
      for (const role of distinct(roles)) bump(opened, `${role}|${c.kind}|${c.pool}`);
    }

    const failoversCounted = (): number => failovers.filter((f) => f.reason !== 'sustained-lag').length;
    const rotations = (): number => failovers.filter((f) => f.reason === 'sustained-lag').length;
    const primariesOn = (pool: Pool): number =>
      manager
        .status()
        .influencers.filter((i) => i.listeners.some((l) => l.role === 'primary' && l.pool === pool)).length;
    /** Every influencer dual, every listener subscribed and healthy, one socket per pool. */
    const allDual = (): boolean => {
      const s = manager.status();
      return (
        s.influencers.length === 4 &&
        s.influencers.every(
          (i) => i.coverage === 'dual' && i.listeners.every((l) => l.healthy && l.state === 'subscribed'),
        ) &&
        sim.connections().filter((c) => c.state !== 'closed').length === 2
      );
    };
    const why = (what: string) => (): string =>
      `${what}: ${JSON.stringify(
        manager
          .status()
          .influencers.map((i) => [
            i.influencer,
            i.coverage,
            i.listeners.map((l) => [l.role, l.pool, l.state, l.healthy, l.degradedReason]),
          ]),
      )} sim: ${JSON.stringify(sim.connections().map((c) => [c.id, c.ip, c.state]))}`;
    const settledDual = async (what: string): Promise<void> => {
      await until(allDual, 20_000, why(what));
      // Still dual after the market moved on (8 blocks of 40 ms): not a moment between flaps.
      const h = sim.blockHeight();
      await until(() => sim.blockHeight() >= h + 8, 20_000, `${what}: 8 more blocks`);
      await until(allDual, 20_000, why(what));
    };

    await settledDual('every influencer dual after start');
    await until(() => signalsEmitted >= 10, 20_000, 'first signals');

    // ---- 1. both listeners silent for a moment: fills lost on both -> position gaps ------------
    for (let attempt = 0; attempt < 4 && gaps === 0; attempt++) {
      sim.faults.stall({ all: true }, { durationMs: 800 });
      await until(() => gaps > 0, 8000, 'a position gap').catch(() => undefined);
    }
    expect(gaps, 'a stall of both listeners must leave a gap').toBeGreaterThan(0);
    await until(() => [...backfills.values()].some((n) => n > 0), 15_000, 'the gap backfill');
    await settledDual('dual after the stall');
    expect(failovers, 'a stall shorter than every timeout causes no failover').toEqual([]);

    // ---- 2. drop the pool carrying the most primaries, N times --------------------------------
    let injectedFailovers = 0;
    for (let round = 0; round < DROP_ROUNDS; round++) {
      const pool: Pool = primariesOn('ip-a') >= primariesOn('ip-b') ? 'ip-a' : 'ip-b';
      const expected = primariesOn(pool);
      expect(expected).toBeGreaterThan(0);
      injectedFailovers += expected;
      expect(sim.faults.drop({ ip: POOLS[pool] })).toBe(1);
      await until(() => failoversCounted() >= injectedFailovers, 10_000, `failovers of drop ${round + 1}`);
      await settledDual(`dual after drop ${round + 1}`);
    }
    expect(failoversCounted()).toBe(injectedFailovers);

    // ---- 3. the primaries' pool lags: sustained-lag role rotations -------------------------------
    const laggy: Pool = primariesOn('ip-a') === 4 ? 'ip-a' : 'ip-b';
    expect(primariesOn(laggy), 'after the drops one pool carries every primary').toBe(4);
    sim.faults.latency({ ip: POOLS[laggy] }, LAG_MS);
    await until(() => rotations() >= 4, 30_000, 'four sustained-lag rotations');
    sim.faults.latency({ ip: POOLS[laggy] }, 0);
    expect(rotations()).toBe(4);
    await settledDual('dual after the lag rotations');

    // ---- 4. malformed frames on the pool that now carries only secondaries -------------------------
    const quiet: Pool = laggy;
    expect(primariesOn(quiet)).toBe(0);
    const sent = new Map<string, number>();
    for (const m of MALFORMED) {
      bump(sent, m.reason, m.count);
      await settledDual(`dual before ${m.kind}`);
      const conns = sim.connections().filter((c) => c.ip === POOLS[quiet] && c.state !== 'closed');
      expect(conns).toHaveLength(1);
      const connId = (conns[0] as { id: string }).id;
      expect(sim.faults.malform({ connId }, m.kind, m.count)).toBe(1);
      // Sent (hence parsed) once the connection's malform budget is used up.
      await until(
        () => sim.connections().find((c) => c.id === connId)?.faults.malform === null,
        10_000,
        `${m.kind} frames sent`,
      );
      await until(
        () => (deadLetters.get(m.reason) ?? 0) >= (sent.get(m.reason) ?? 0),
        10_000,
        () => `${m.reason} dead letters (seen: ${JSON.stringify(Object.fromEntries(deadLetters))})`,
      );
    }
    // A malformed userFills frame loses that fill on its listener: a miss once the grace is over.
    await until(() => missed > 0, 10_000, 'a missed fill on the listener that got malformed frames');
    await settledDual('dual after the malformed frames');
    expect(failoversCounted(), 'a secondary that misses fills never swaps roles').toBe(injectedFailovers);
    expect(rotations()).toBe(4);

    // ---- drain, then scrape -------------------------------------------------------------------------
    sim.pause();
    // Quiet: position-feed reconciles still emit a little after trading stops (they wait out the
    // reorder and settle windows plus a margin), so wait until nothing moved for a while.
    let last = { emitted: -1, at: Date.now() };
    await until(
      () => {
        if (signalsEmitted !== last.emitted) last = { emitted: signalsEmitted, at: Date.now() };
        return (
          Date.now() - last.at >= QUIET_MS &&
          delivered() === signalsEmitted &&
          [sinks.signals, sinks.raw, sinks.deadLetterQueue].every((q) => q.stats().depth === 0)
        );
      },
      // Generous: under the whole unit suite on a shared 2-core box the drain alone took > 20 s.
      45_000,
      () =>
        `every signal delivered, the sink queues empty, and no new signal for a while (emitted ${signalsEmitted}, ` +
        `delivered ${delivered()}, last emit ${Date.now() - last.at} ms ago, depths ` +
        `${[sinks.signals, sinks.raw, sinks.deadLetterQueue].map((q) => q.stats().depth).join('/')})`,
    );
    const weightTotal = (pool: Pool): number => manager.infoClient(pool).weightBudget.total();
    const plan = manager.currentPlan();
    let exp: Exposition = parseExposition('');
    const scrape = async (): Promise<Exposition> => {
      app?.sampleGauges();
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      return (exp = parseExposition(await res.text()));
    };
    // The budget report runs each second: wait for one after the last info call and socket change.
    await until(
      async () => {
        const e = await scrape();
        return (Object.keys(POOLS) as Pool[]).every((pool) => {
          const cap = plan.capacity.find((c) => c.pool === pool);
          const used = (resource: string): number => sum(e, N.budgetUsed, { pool, resource });
          return (
            sum(e, N.restWeightUsed, { pool }) === weightTotal(pool) &&
            used('users') === cap?.users.used &&
            used('connections') === cap.connections.used &&
            used('subscriptions') === cap.subscriptions.used
          );
        });
      },
      10_000,
      'budget and REST weight metrics to match the plan and the info clients',
    ).catch(() => undefined); // the assertions below say what differs
    const status = manager.status();

    // Every metric of the catalogue is in the live scrape.
    const names = new Set(exp.samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')));
    const missing = ALL_METRIC_NAMES.filter(
      // Nothing sheds in this run; shed series are labelled by the shed record's reason.
      (n) =>
        !names.has(n) &&
        n !== N.influencerMessagesReceived &&
        n !== N.labelOverflow &&
        n !== N.recordsShed &&
        n !== SINK_THREAD_GC,
    );
    expect(missing, 'metrics absent from /metrics').toEqual([]);
    // No fault here makes the server refuse a subscribe (test/scenarios/subscribe-refused.test.ts
    // does): the series are there at 0 per pool, and anything counted matches the events.
    expect(sum(exp, N.subscribeRetries)).toBe([...subscribeRetries.values()].reduce((a, b) => a + b, 0));
    for (const [key, n] of subscribeRetries) {
      const [kind, pool] = key.split('|') as [string, string];
      expect(value(exp, N.subscribeRetries, { kind, pool }), key).toBe(n);
    }

    // Connections and reconnects, by role and kind (and pool / reason).
    for (const [key, n] of opened) {
      const [role, kind, pool] = key.split('|') as [string, string, string];
      expect(value(exp, N.connectionsOpened, { role, kind, pool }), key).toBe(n);
    }
    expect(sum(exp, N.connectionsOpened)).toBeGreaterThanOrEqual(2 + DROP_ROUNDS);
    for (const [key, n] of reconnects) {
      const [role, kind, reason] = key.split('|') as [string, string, string];
      expect(value(exp, N.reconnects, { role, kind, reason }), key).toBe(n);
    }
    expect(sum(exp, N.reconnects)).toBeGreaterThanOrEqual(DROP_ROUNDS);
    // Open sockets per (pool, kind, role): what the listener layer says is open right now.
    const openNow = new Map<string, number>();
    for (const c of status.connections.filter((c) => c.state === 'open')) {
      const roles = new Set(
        status.influencers.flatMap((i) =>
          i.listeners.filter((l) => l.connectionId === c.id).map((l) => l.role),
        ),
      );
      for (const role of roles) bump(openNow, `${role}|${c.kind}|${c.pool}`);
    }
    const openMetric = new Map(
      find(exp, N.connectionsOpen)
        .filter((s) => s.value !== 0)
        .map((s) => [`${s.labels['role']}|${s.labels['kind']}|${s.labels['pool']}`, s.value]),
    );
    expect(Object.fromEntries(openMetric), 'ingest_connections_open vs open sockets').toEqual(
      Object.fromEntries(openNow),
    );

    // Listener state per influencer and role, and healthy listeners / coverage.
    for (const i of status.influencers) {
      for (const l of i.listeners) {
        const series = find(exp, N.listenerState, { influencer: i.influencer, role: l.role });
        expect(
          series.map((s) => `${s.labels['kind']}:${s.labels['state']}=${s.value}`),
          `${i.influencer} ${l.role}`,
        ).toEqual([`${l.kind}:${l.state}=1`]);
      }
      expect(value(exp, N.influencerHealthyListeners, { influencer: i.influencer })).toBe(2);
    }
    expect(value(exp, N.coverage, { coverage: 'dual' })).toBe(4);
    expect(value(exp, N.coverage, { coverage: 'single' })).toBe(0);
    expect(value(exp, N.coverage, { coverage: 'dark' })).toBe(0);
    expect(sum(exp, N.listeners, { state: 'subscribed' })).toBe(8);

    // Lag and skew histograms were fed (both listeners deliver every fill).
    expect(sum(exp, `${N.listenerLag}_count`)).toBeGreaterThan(0);
    expect(value(exp, `${N.listenerSkew}_count`)).toBeGreaterThan(0);
    expect(find(exp, N.influencerSkew)).toHaveLength(4);

    // Failovers == injected (and == what the app saw), role rotations with their reason.
    expect(sum(exp, N.failovers)).toBe(injectedFailovers);
    expect(value(exp, N.failovers, { reason: 'primary-down' })).toBe(injectedFailovers);
    expect(sum(exp, N.influencerFailovers)).toBe(injectedFailovers);
    expect(value(exp, N.roleRotations, { reason: 'sustained-lag' })).toBe(4);
    expect(sum(exp, N.roleRotations)).toBe(4);
    for (const i of status.influencers) {
      const own = failovers.filter((f) => f.influencer === i.influencer && f.reason !== 'sustained-lag');
      if (own.length > 0)
        expect(value(exp, N.influencerFailovers, { influencer: i.influencer })).toBe(own.length);
    }

    // Messages per channel.
    for (const [channel, n] of messages) expect(value(exp, N.messagesReceived, { channel }), channel).toBe(n);
    expect(messages.get('userFills') ?? 0).toBeGreaterThan(0);
    expect(value(exp, N.tradesSeen)).toBe(messages.get('trades') ?? 0);

    // Signals by action == what the engine emitted; end-to-end latency == signals delivered.
    for (const [action, n] of signalsByAction) expect(sum(exp, N.signalsEmitted, { action }), action).toBe(n);
    expect(sum(exp, N.signalsEmitted)).toBe(signalsEmitted);
    expect(value(exp, `${N.endToEndLatency}_count`)).toBe(delivered());
    expect(signalsEmitted).toBeGreaterThan(0);
    expect(delivered()).toBe(signalsEmitted);
    // Per-stage latency: one observation per stage for every acknowledged signal that has a
    // receipt of its own (a RECONCILE has none).
    const stageCount = (stage: string): number => value(exp, `${N.signalStage}_count`, { stage });
    expect(stageCount('receipt_to_ack')).toBeGreaterThan(0);
    expect(stageCount('receipt_to_ack')).toBeLessThanOrEqual(delivered());
    for (const stage of SIGNAL_STAGES) expect(stageCount(stage), stage).toBe(stageCount('receipt_to_ack'));
    // And its age at the ack (block time -> ack), for the same signals.
    expect(value(exp, `${N.signalAge}_count`)).toBe(stageCount('receipt_to_ack'));

    // Duplicates and misses.
    expect(duplicates).toBeGreaterThan(0);
    expect(sum(exp, N.duplicatesSuppressed)).toBe(duplicates);
    expect(missed, 'a malformed fill frame makes its listener miss that fill').toBeGreaterThan(0);
    expect(sum(exp, N.eventsMissed)).toBe(missed);

    // Frames rejected and dead-lettered, by reason == the malformed frames injected.
    expect(Object.fromEntries(deadLetters)).toEqual(Object.fromEntries(INJECTED_BY_REASON));
    for (const [reason, n] of INJECTED_BY_REASON) {
      expect(value(exp, N.framesRejected, { reason }), reason).toBe(n);
      expect(value(exp, N.deadLetters, { reason }), reason).toBe(n);
    }
    expect(sum(exp, N.framesRejected)).toBe(MALFORMED.reduce((a, m) => a + m.count, 0));

    // Gaps detected and repaired.
    expect(value(exp, N.gapsDetected)).toBe(gaps);
    for (const [outcome, n] of backfills) expect(value(exp, N.gapsBackfilled, { outcome }), outcome).toBe(n);

    // REST weight: spent, and exactly what the info clients counted; budget use == the plan.
    expect(sum(exp, N.restWeightUsed)).toBeGreaterThan(0);
    for (const pool of Object.keys(POOLS) as Pool[]) {
      expect(sum(exp, N.restWeightUsed, { pool }), `${pool} REST weight`).toBe(weightTotal(pool));
      const cap = plan.capacity.find((c) => c.pool === pool);
      if (!cap) throw new Error(`no capacity for ${pool}`);
      expect(value(exp, N.budgetUsed, { pool, resource: 'users' })).toBe(cap.users.used);
      expect(value(exp, N.budgetUsed, { pool, resource: 'connections' })).toBe(cap.connections.used);
      expect(value(exp, N.budgetUsed, { pool, resource: 'subscriptions' })).toBe(cap.subscriptions.used);
      expect(cap.users.used).toBe(4);
      expect(value(exp, N.budgetLimit, { pool, resource: 'users' })).toBe(10);
    }

    // Sinks: queue depth and spool per sink, publish latency and end-to-end latency observed.
    for (const sink of ['signals', 'raw-events', 'dead-letters']) {
      expect(value(exp, N.sinkQueueDepth, { sink }), sink).toBe(0);
      expect(value(exp, N.spoolBytes, { sink }), sink).toBeGreaterThanOrEqual(0);
      expect(value(exp, N.spoolRecords, { sink }), sink).toBe(0);
      expect(value(exp, `${N.sinkPublishDuration}_count`, { sink }), sink).toBeGreaterThan(0);
    }

    // Process metrics (prom-client defaults) the dashboard's process row uses.
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(find(exp, name).length, name).toBeGreaterThan(0);

    // Every metric the dashboard and the alerts query is in this live output.
    const dashboard = JSON.parse(readFileSync('deploy/grafana/ingest-dashboard.json', 'utf8')) as Record<
      string,
      unknown
    >;
    const alerts = parseYaml(readFileSync('deploy/prometheus/alerts.yaml', 'utf8')) as {
      groups: { rules: { expr: string }[] }[];
    };
    const exprs = [...dashboardExprs(dashboard), ...alerts.groups.flatMap((g) => g.rules.map((r) => r.expr))];
    // The hand-off metrics exist only in a distributed process (this one runs role all).
    const handoff = new Set<string>(Object.values(HANDOFF_METRIC_NAMES));
    const used = new Set(
      exprs
        .flatMap((e) => promqlMetricNames(e, ['ingest_', 'process_', 'nodejs_']))
        .filter((n) => !handoff.has(n) && n !== SINK_THREAD_GC),
    );
    expect(used.size).toBeGreaterThan(20);
    expect(
      [...used].filter((n) => !names.has(n)),
      'dashboard/alert metrics absent from /metrics',
    ).toEqual([]);
  }, 90_000);
});
