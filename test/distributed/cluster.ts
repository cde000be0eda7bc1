/**
 * The distributed-mode test cluster: the simulator as the exchange, and each role as its own
 * `ingest run --role …` child process against the harness's Kafka and Redis. Listener processes
 * egress from their own loopback addresses (127.0.0.2, 127.0.0.3, …), so the simulator applies
 * its per-IP limits per process, as the exchange would per host. Tests add, kill and stop
 * processes by name and judge the signal topic against the simulator's ground truth.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import type { MarketClass } from '../../src/core/index.js';
import type { ClusterReport } from '../../src/distributed/index.js';
import { services, uniqueName } from '../harness/index.js';
import { until } from '../kit/index.js';
import type { CliRun } from '../e2e/cli-process.js';
import { simRunEnv, startCli } from '../e2e/cli-process.js';
import {
  ALL_CLASSES,
  chainViolations,
  dedupeByKey,
  groundTruthDiffs,
  influencerYaml,
  readSignalTopic,
} from '../e2e/helpers.js';
import type { TopicMessage } from '../e2e/helpers.js';

export interface ProcessSpec {
  /** Unique per cluster, e.g. `listeners-A1`; names the process's folder and its log lines. */
  readonly name: string;
  readonly role: 'listeners' | 'processor';
  readonly group?: 'A' | 'B';
  /** Listener egress addresses, one egress pool each (loopback 127.0.0.x). */
  readonly sourceAddresses?: readonly string[];
}

export interface ClusterOptions {
  readonly seed: number;
  readonly accounts: number;
  readonly tickMs: number;
  readonly bronzePartitions?: number;
  readonly coordinationPartitions?: number;
  /** Group timings for both groups (ms); the schema defaults when absent. */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /**
   * Classes signalled and judged (all four by default). Market-stream listeners cover spot and
   * outcome markets only when configured to, so a test with market-stream influencers names
   * the classes both listener kinds follow.
   */
  readonly marketClasses?: readonly MarketClass[];
  /** distributed.listenerStateIntervalMs (the processor's degraded flag follows it). */
  readonly listenerStateIntervalMs?: number;
}

export interface LogLine {
  readonly at: number;
  readonly [field: string]: unknown;
}

interface StatusInfluencer {
  readonly influencer: string;
  readonly listeners: readonly { readonly role: string; readonly healthy: boolean }[];
}

/** Each signal's source event ids that also appear under a different signalId (must be none). */
export function eventsUnderTwoSignalIds(messages: readonly TopicMessage[]): string[] {
  const byEvent = new Map<string, string>();
  const out: string[] = [];
  for (const { signal } of messages)
    for (const e of signal.sourceEventIds) {
      const was = byEvent.get(e);
      if (was === undefined) byEvent.set(e, signal.signalId);
      else if (was !== signal.signalId) out.push(`${e}: ${was} and ${signal.signalId}`);
    }
  return out;
}

/** Percentiles (nearest rank) and max of a sample, for printing. */
export function distribution(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
  return `n=${s.length} p50=${q(0.5)} p90=${q(0.9)} p99=${q(0.99)} max=${s.at(-1) ?? NaN}`;
}

/**
 * Why a process exited, for an assertion message: its start-up failure line (`ingest: …`) and
 * its error and fatal lines (the cause), then
 * the tail of its log. The tail alone is the shutdown sequence, which hides the cause.
 */
function whyExited(stderr: string): string {
  const errors = stderr
    .split('\n')
    .filter((l) => l.startsWith('ingest: ') || /"level":"(error|fatal)"/.test(l));
  return `${errors.slice(0, 5).join('\n').slice(0, 3000)}\n--- tail ---\n${stderr.slice(-1500)}`;
}

export interface ClusterProcess {
  readonly spec: ProcessSpec;
  readonly run: CliRun;
}

export interface Cluster {
  readonly sim: Simulator;
  readonly dir: string;
  /** The signal topic. */
  readonly topic: string;
  /** Every process started so far, in start order (killed ones included). */
  readonly processes: readonly ClusterProcess[];
  /** Starts one more process. */
  start(spec: ProcessSpec): ClusterProcess;
  /** The process named `name` (the latest one started under that name). */
  get(name: string): ClusterProcess;
  /** Waits until every named process (all alive ones by default) logged `ingest started`. */
  waitStarted(names?: readonly string[], ms?: number): Promise<void>;
  /** GET /status.json of a process (its ops URL is in its start-up log). */
  statusOf(name: string): Promise<Record<string, unknown>>;
  /** The JSON log lines of process `name` (its latest start) whose msg is `msg`, with `at` (ms). */
  logs(name: string, msg: string): LogLine[];
  /**
   * Influencers of the live listener processes' /status.json lacking a healthy (subscribed)
   * primary or secondary; empty means every influencer has dual coverage again.
   */
  uncovered(): Promise<string[]>;
  /** Waits until uncovered() is empty (every influencer dual); `what` names the moment in the error. */
  waitDualCoverage(ms: number, what?: string): Promise<void>;
  /** The fewest ground-truth fills any simulator account has made so far (trading progress). */
  minFills(): number;
  /** The influencers whose healthy primary (group A) or secondary (group B) runs in `name`. */
  ownedBy(name: string): Promise<string[]>;
  /** Runs `ingest cluster status --json` with the cluster's config: exit code, report, stderr. */
  clusterStatus(): Promise<{ code: number | string; report: ClusterReport | null; stderr: string }>;
  /** `host:pid` of a process, as `ingest cluster status` names it. */
  processName(name: string): string;
  /** Sends `signal` to the process and resolves with how it exited. */
  kill(name: string, signal: NodeJS.Signals): Promise<number | string>;
  /** SIGTERMs every live process; expects each to exit 0 without a shutdown timeout. */
  stopAll(): Promise<void>;
  /** Ground truth per influencer, for groundTruthDiffs. */
  truth(admittedAt: number): Parameters<typeof groundTruthDiffs>[1];
  /** Waits until the topic's last signal per key is the account's position. */
  waitGroundTruth(admittedAt: number, ms?: number): Promise<void>;
  /** Reads the whole topic and checks ground truth and per-key chains; returns counts. */
  verify(admittedAt: number): Promise<{ messages: TopicMessage[]; duplicates: number; compared: number }>;
  close(): Promise<void>;
}

/** Loopback egress address n (n ≥ 0): 127.0.0.2, 127.0.0.3, … */
export const loopback = (n: number): string => `127.0.0.${2 + n}`;

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const classes = [...(opts.marketClasses ?? ALL_CLASSES)];
  const dir = mkdtempSync(join(tmpdir(), 'ingest-dist-'));
  const sim = await startSimulator({
    seed: opts.seed,
    accounts: opts.accounts,
    tickMs: opts.tickMs,
    paused: true,
  });
  const name = uniqueName('dist');
  const topic = `${name}_signals`;
  const processes: ClusterProcess[] = [];
  const timings =
    (opts.sessionTimeoutMs !== undefined ? `      sessionTimeoutMs: ${opts.sessionTimeoutMs}\n` : '') +
    (opts.heartbeatIntervalMs !== undefined
      ? `      heartbeatIntervalMs: ${opts.heartbeatIntervalMs}\n`
      : '');

  // Each process gets its own folder (spool, output, config); the influencer file is the same.
  const env = (p: ProcessSpec): Record<string, string> => ({
    ...simRunEnv(sim, join(dir, p.name), services().redis.url, influencerYaml(sim.accounts)),
    INGEST_REDIS_KEY_PREFIX: `${name}:`,
    INGEST_KAFKA_BROKERS: services().kafka.brokers.join(','),
    INGEST_KAFKA_TOPIC: topic,
    INGEST_KAFKA_DLQ_TOPIC: `${name}_dlq`,
    INGEST_KAFKA_CREATE_TOPICS: 'true',
    INGEST_KAFKA_REPLICATION_FACTOR: '1',
    ...(p.group ? { INGEST_LISTENER_GROUP: p.group } : {}),
  });
  const configFile = (p: ProcessSpec): string => {
    mkdirSync(join(dir, p.name), { recursive: true });
    const file = join(dir, p.name, 'config.yaml');
    const pools = (p.sourceAddresses ?? []).map(
      (a, i) => `    - name: ip-${p.name.toLowerCase()}-${i}\n      localAddress: ${a}\n`,
    );
    writeFileSync(
      file,
      (pools.length > 0 ? `hyperliquid:\n  egressPools:\n${pools.join('')}` : '') +
        `positions:\n  marketClasses: [${classes.join(', ')}]\n` +
        `distributed:\n` +
        (opts.listenerStateIntervalMs !== undefined
          ? `  listenerStateIntervalMs: ${opts.listenerStateIntervalMs}\n`
          : '') +
        `  kafka:\n    groupIdPrefix: ${name}\n    createTopics: true\n    replicationFactor: 1\n` +
        `    bronze:\n      topic: ${name}.raw.v1\n      partitions: ${opts.bronzePartitions ?? 4}\n${timings}` +
        `    coordination:\n      topic: ${name}.coord.v1\n      partitions: ${opts.coordinationPartitions ?? 8}\n${timings}`,
    );
    return file;
  };

  const get = (n: string): ClusterProcess => {
    const p = processes.findLast((x) => x.spec.name === n);
    if (!p) throw new Error(`cluster: no process named ${n}`);
    return p;
  };
  const alive = (): ClusterProcess[] =>
    processes.filter((p) => p.run.child.exitCode === null && p.run.child.signalCode === null);
  const started = (r: CliRun): boolean => r.stderr().includes('"msg":"ingest started"');

  const cluster: Cluster = {
    sim,
    dir,
    topic,
    processes,
    start(spec) {
      const run = startCli(['run', '--config', configFile(spec), '--role', spec.role], env(spec));
      const p = { spec, run };
      processes.push(p);
      return p;
    },
    get,
    async waitStarted(names, ms = 60_000) {
      const which = names ? names.map(get) : alive();
      await until(
        () => which.every((p) => started(p.run)) || which.some((p) => p.run.child.exitCode !== null),
        ms,
        () =>
          `started: ${which.map((p) => `${p.spec.name}: ${started(p.run) ? 'yes' : p.run.stderr().slice(-300)}`).join(' | ')}`,
      );
      for (const p of which)
        expect(p.run.child.exitCode, `${p.spec.name} exited: ${whyExited(p.run.stderr())}`).toBeNull();
    },
    async statusOf(n) {
      const url = /"http":"(http:[^"]+)"/.exec(get(n).run.stderr())?.[1];
      if (!url) throw new Error(`${n}: no ops URL in the start-up log`);
      return (await (await fetch(`${url}/status.json`)).json()) as Record<string, unknown>;
    },
    logs(n, msg) {
      const out: LogLine[] = [];
      for (const line of get(n).run.stderr().split('\n')) {
        if (!line.includes(`"msg":"${msg}"`)) continue;
        try {
          const o = JSON.parse(line) as Record<string, unknown>;
          if (o['msg'] === msg) out.push({ ...o, at: Date.parse(String(o['time'])) });
        } catch {
          // a line still being written: the next look sees it whole
        }
      }
      return out;
    },
    async uncovered() {
      const roles = new Map<string, Set<string>>();
      for (const p of alive().filter((x) => x.spec.role === 'listeners')) {
        const s = (await cluster.statusOf(p.spec.name)) as { influencers?: StatusInfluencer[] };
        for (const i of s.influencers ?? []) {
          const set = roles.get(i.influencer) ?? new Set<string>();
          for (const l of i.listeners) if (l.healthy) set.add(l.role);
          roles.set(i.influencer, set);
        }
      }
      const ids = sim.accounts.map((_, i) => `inf-${i}`);
      return ids.filter((id) => !(roles.get(id)?.has('primary') && roles.get(id)?.has('secondary')));
    },
    async waitDualCoverage(ms, what = 'dual coverage') {
      let left: string[] = [];
      await until(
        async () => (left = await cluster.uncovered()).length === 0,
        ms,
        () => `${what}; uncovered: ${left.join(', ')}`,
        250,
      );
    },
    minFills: () => Math.min(...sim.accounts.map((a) => sim.groundTruth.fills(a).length)),
    async ownedBy(n) {
      const s = (await cluster.statusOf(n)) as { influencers?: StatusInfluencer[] };
      return (s.influencers ?? []).filter((i) => i.listeners.some((l) => l.healthy)).map((i) => i.influencer);
    },
    async clusterStatus() {
      const spec: ProcessSpec = { name: 'cluster-status', role: 'processor' };
      const run = startCli(['cluster', 'status', '--json', '--config', configFile(spec)], env(spec));
      const code = await run.exited;
      let report: ClusterReport | null = null;
      try {
        report = JSON.parse(run.stdout()) as ClusterReport;
      } catch {
        // no report (a failure before the probe): the caller sees code and stderr
      }
      return { code, report, stderr: run.stderr() };
    },
    processName: (n) => `${hostname()}:${get(n).run.child.pid}`,
    async kill(n, signal) {
      const p = get(n);
      p.run.child.kill(signal);
      return p.run.exited;
    },
    async stopAll() {
      const live = alive();
      for (const p of live) p.run.child.kill('SIGTERM');
      const codes = await Promise.all(live.map((p) => p.run.exited));
      expect(codes, live.map((p) => `${p.spec.name}: ${p.run.stderr().slice(-500)}`).join(' | ')).toEqual(
        live.map(() => 0),
      );
      for (const p of live) expect(p.run.stderr(), p.spec.name).not.toMatch(/shutdown timed out/);
    },
    truth: (admittedAt) =>
      sim.accounts.map((a, i) => ({
        id: `inf-${i}`,
        truth: sim.groundTruth.positions(a),
        fills: sim.groundTruth.fills(a),
        admittedAt,
      })),
    async waitGroundTruth(admittedAt, ms = 60_000) {
      let last = { diffs: ['not read yet'], compared: 0 };
      await until(
        async () => {
          const { byKey } = dedupeByKey((await readSignalTopic(topic)).map((m) => m.signal));
          last = groundTruthDiffs(byKey, cluster.truth(admittedAt), classes);
          return last.diffs.length === 0 && last.compared > 0;
        },
        ms,
        () => `signals at ground truth: ${last.diffs.slice(0, 5).join('; ')}`,
        // Each look reads the whole topic with a fresh consumer: look once a second.
        1000,
      );
    },
    async verify(admittedAt) {
      const messages = await readSignalTopic(topic);
      const { byKey, duplicates } = dedupeByKey(messages.map((m) => m.signal));
      expect(chainViolations(byKey)).toEqual([]);
      // A repeat is only ever the same signal again, never the same fills under a new signalId.
      expect(eventsUnderTwoSignalIds(messages)).toEqual([]);
      const final = groundTruthDiffs(byKey, cluster.truth(admittedAt), classes);
      expect(final.diffs).toEqual([]);
      return { messages, duplicates, compared: final.compared };
    },
    async close() {
      for (const p of processes) if (p.run.child.exitCode === null) p.run.child.kill('SIGKILL');
      await Promise.all(processes.map((p) => p.run.exited));
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/**
 * Per test: `startCluster` whose cluster is closed after the test (every process killed, the
 * simulator stopped, the temp dir removed), also when the test failed.
 */
export function clusterPerTest(): (opts: ClusterOptions) => Promise<Cluster> {
  let cluster: Cluster | null = null;
  afterEach(async () => {
    await cluster?.close();
    cluster = null;
  });
  return async (opts) => {
    cluster = await startCluster(opts);
    return cluster;
  };
}
