/**
 * Shared pieces of the live-reload end-to-end tests (test/e2e/reload*.int.test.ts): a service
 * config on the embedded simulator with influencers in the harness's Redis under a unique key
 * prefix, the `ingest influencers` CLI run in-process against that prefix, the simulator's
 * deterministic account addresses, and status/signal probes with bounded polling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { App } from '../../src/app/index.js';
import { parseServiceConfig } from '../../src/config/index.js';
import type { ServiceConfig } from '../../src/config/index.js';
import { dec, decStr, silentLogger } from '../../src/core/index.js';
import { influencerKeys } from '../../src/influencers/index.js';
import type { Signal } from '../../src/positions/index.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { runCli } from '../config/run-cli.js';
import type { CliResult } from '../config/run-cli.js';
import { readNdjson, until } from '../kit/index.js';
import { engineProgress } from './helpers.js';

export const quietLogger = Object.assign(Object.create(silentLogger) as typeof silentLogger, {
  level: 'silent',
});

export interface ReloadEnv {
  readonly dir: string;
  readonly prefix: string;
  readonly redisUrl: string;
  readonly seed: number;
  readonly accounts: number;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'ingest-reload-'));
}

export function removeDir(dir: string): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export function reloadConfig(env: ReloadEnv): ServiceConfig {
  return parseServiceConfig({
    source: {
      kind: 'simulator',
      simulator: { seed: env.seed, accounts: env.accounts, tickMs: 40, port: 0 },
    },
    influencers: { source: 'redis', reconcileIntervalMs: 2000 },
    redis: { url: env.redisUrl, keyPrefix: env.prefix },
    hyperliquid: { heartbeat: { pingIntervalMs: 5000, pongTimeoutMs: 2000 } },
    positions: { marketClasses: ['perp', 'hip3', 'spot', 'outcome'] },
    sinks: { local: { dir: join(env.dir, 'out') }, spool: { dir: join(env.dir, 'spool') } },
    http: { port: 0 },
  });
}

/** The simulator's tracked addresses for (seed, accounts): derived, so a paused throwaway tells us. */
export async function simAccounts(seed: number, accounts: number): Promise<string[]> {
  const sim = await startSimulator({ seed, accounts, paused: true, port: 0 });
  try {
    return [...sim.accounts];
  } finally {
    await sim.close();
  }
}

/** `ingest influencers ...` in-process against the test's Redis and key prefix. */
export async function cli(env: ReloadEnv, ...args: string[]): Promise<CliResult> {
  const saved = {
    url: process.env['INGEST_REDIS_URL'],
    prefix: process.env['INGEST_REDIS_KEY_PREFIX'],
  };
  process.env['INGEST_REDIS_URL'] = env.redisUrl;
  process.env['INGEST_REDIS_KEY_PREFIX'] = env.prefix;
  try {
    return await runCli(['influencers', ...args]);
  } finally {
    restore('INGEST_REDIS_URL', saved.url);
    restore('INGEST_REDIS_KEY_PREFIX', saved.prefix);
  }
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) Reflect.deleteProperty(process.env, name);
  else process.env[name] = value;
}

/** Like cli() but throws with the CLI's stderr unless it exits 0. */
export async function cliOk(env: ReloadEnv, ...args: string[]): Promise<string> {
  const r = await cli(env, ...args);
  if (r.code !== 0) throw new Error(`ingest influencers ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The listener states of one influencer in the manager's status ([] = not planned). */
export function listenerStates(app: App, id: string): string[] {
  const s = app.manager?.status().influencers.find((i) => i.influencer === id);
  return s?.listeners.map((l) => l.state) ?? [];
}

/** Both listeners of the influencer are subscribed. */
export function subscribed(app: App, id: string): boolean {
  const states = listenerStates(app, id);
  return states.length === 2 && states.every((s) => s === 'subscribed');
}

/** The influencer has no listener in the manager's status any more. */
export function unsubscribed(app: App, id: string): boolean {
  return listenerStates(app, id).length === 0;
}

/** Resolves once the app's watcher listens on the change channel (a notice now is received). */
export async function watcherListening(redis: Redis, prefix: string): Promise<void> {
  const channel = influencerKeys(prefix).changes;
  await until(
    async () => {
      const r = (await redis.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
      return Number(r[1]) > 0;
    },
    10_000,
    'watcher subscribed to the change channel',
  );
}

/** Every signal the engine derives, with the wall time it was seen. */
export function recordSignals(app: App): { signal: Signal; at: number }[] {
  const out: { signal: Signal; at: number }[] = [];
  app.engine?.events.on('signal', (signal) => out.push({ signal, at: performance.now() }));
  progressOf.set(app, { progress: engineProgress(app), since: Date.now() });
  return out;
}

/** The engine progress recordSignals() started following, for quiesce(). */
const progressOf = new WeakMap<App, { progress: ReturnType<typeof engineProgress>; since: number }>();

/** The signals the sinks received (the local NDJSON log), in publish order. */
export function publishedSignals(dir: string): Signal[] {
  return readNdjson<{ value: Signal }>(join(dir, 'out', 'signals.ndjson')).map((r) => r.value);
}

/**
 * Final position per market from an influencer's signal stream next to the simulator's truth
 * for the same markets (markets never signalled are not compared).
 */
export function finalVsTruth(
  sim: Simulator,
  address: string,
  signals: readonly Signal[],
): { got: Record<string, string>; want: Record<string, string> } {
  const got: Record<string, string> = {};
  for (const s of signals) got[s.market] = s.position;
  const truth = sim.groundTruth.positions(address);
  const want: Record<string, string> = {};
  for (const market of Object.keys(got)) {
    const t = truth[market];
    want[market] = t === undefined ? '0' : decStr(dec(t));
  }
  return { got, want };
}

/**
 * Pauses trading and waits until the engine has processed the last fill of every market of
 * every enabled influencer since recordSignals() (the last blocks passed the reorder and
 * settle windows).
 */
export async function quiesce(app: App): Promise<void> {
  const p = progressOf.get(app);
  if (!p || !app.sim) throw new Error('quiesce needs an embedded simulator and recordSignals(app) first');
  await p.progress.settle(app.sim, p.since);
}

export interface LogRecord {
  readonly level: 'warn' | 'error' | 'fatal';
  readonly bindings: Record<string, unknown>;
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

/** A Logger that keeps warn/error/fatal lines (with child bindings) for assertions. */
export function capturingLogger(): { logger: typeof quietLogger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const make = (bindings: Record<string, unknown>): typeof silentLogger => {
    const at =
      (level: LogRecord['level']) =>
      (a: Record<string, unknown> | string, b?: string): void => {
        if (typeof a === 'string') records.push({ level, bindings, obj: {}, msg: a });
        else records.push({ level, bindings, obj: a, msg: b ?? '' });
      };
    return {
      ...silentLogger,
      warn: at('warn'),
      error: at('error'),
      fatal: at('fatal'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return { logger: Object.assign(make({}), { level: 'warn' }), records };
}
