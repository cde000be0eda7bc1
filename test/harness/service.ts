// The per-service plug-in contract: each of redis.ts, clickhouse.ts and kafka.ts describes how to
// install, configure, probe and diagnose its server; lifecycle.ts does the generic process work.
import { join } from 'node:path';
import type { LaunchSpec, ServiceName } from './types.js';

export interface PrepareContext {
  /** Fresh service-private temp dir (exists, empty). */
  dir: string;
  ports: Record<string, number>;
  /** Whatever install() returned: resolved binaries, jar dirs. */
  installed: Record<string, string>;
}

export interface ServiceDef {
  name: ServiceName;
  /** Port roles this service listens on, e.g. ['http', 'tcp']. */
  portNames: readonly string[];
  /** Env var per port role that pins a fixed port instead of a free one. */
  portEnv: Readonly<Record<string, string>>;
  /** Env var that names an already-running instance to reuse instead of starting one. */
  reuseEnv: string;
  /** Deadline for a fresh start or restart to answer its probe (install time excluded). */
  readyTimeoutMs: number;
  /** How long SIGTERM gets before SIGKILL. */
  stopTimeoutMs: number;
  /** Idempotent; may take minutes the first time (apt, Maven). */
  install(): Promise<Record<string, string>>;
  /** Writes config into ctx.dir (and formats storage etc.); returns what to run and the endpoint. */
  prepare(ctx: PrepareContext): Promise<{ launch: LaunchSpec; endpoint: string }>;
  /** One readiness attempt against the endpoint; must settle within a few seconds. Throws if not ready. */
  probe(endpoint: string): Promise<void>;
  /** A service-specific likely fix, from the log text of a failed start; undefined if none applies. */
  hint(logText: string): string | undefined;
}

/** A ServiceDef as each service file writes it: the fields that follow from the name may be left out. */
export interface ServiceSpec extends Omit<
  ServiceDef,
  'portNames' | 'portEnv' | 'reuseEnv' | 'readyTimeoutMs' | 'stopTimeoutMs'
> {
  /** Port role -> env var that pins it; default one role `port` pinned by TEST_<NAME>_PORT. */
  portEnv?: Readonly<Record<string, string>>;
  /** Default TEST_<NAME>_URL. */
  reuseEnv?: string;
  /** Default 20 s. */
  readyTimeoutMs?: number;
  /** Default 10 s. */
  stopTimeoutMs?: number;
}

/**
 * The one skeleton every service file fills in (install, prepare, probe, hint are its own), so
 * the env-var naming and the timeouts are written once instead of once per service.
 */
export function defineService(spec: ServiceSpec): ServiceDef {
  const upper = spec.name.toUpperCase();
  const portEnv = spec.portEnv ?? { port: `TEST_${upper}_PORT` };
  return {
    ...spec,
    portNames: Object.keys(portEnv),
    portEnv,
    reuseEnv: spec.reuseEnv ?? `TEST_${upper}_URL`,
    readyTimeoutMs: spec.readyTimeoutMs ?? 20_000,
    stopTimeoutMs: spec.stopTimeoutMs ?? 10_000,
  };
}

/** What to run, in the service's dir, with its output in `log` (a path relative to the dir). */
export function launchIn(
  dir: string,
  command: string,
  args: string[],
  log: string,
  more: { env?: Record<string, string>; extraLogFiles?: string[] } = {},
): LaunchSpec {
  return {
    command,
    args,
    env: more.env ?? {},
    cwd: dir,
    logFile: join(dir, log),
    extraLogFiles: more.extraLogFiles ?? [],
  };
}
