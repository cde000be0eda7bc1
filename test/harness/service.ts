// The per-service plug-in contract: each of redis.ts, clickhouse.ts and kafka.ts describes how to
// install, configure, probe and diagnose its server; lifecycle.ts does the generic process work.
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
