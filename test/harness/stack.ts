// Starts and stops the three services as one stack, for the vitest global setup and for
// `npm run services`. Reuses services named by TEST_REDIS_URL / TEST_CLICKHOUSE_URL /
// TEST_KAFKA_BROKERS (verified, never stopped), starts the rest in parallel with Kafka first (the
// slowest), and on any failure tears down what it already started before rethrowing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startManaged, stopProcess, verifyReused } from './lifecycle.js';
import { serviceDef } from './registry.js';
import type { ManagedServiceState, ProvidedServices, ServiceName, ServiceState } from './types.js';

/** Start order: Kafka first, it takes longest (JVM + format + KRaft election). */
const START_ORDER: readonly ServiceName[] = ['kafka', 'clickhouse', 'postgres', 'redis', 'nats', 'evm'];

export interface StackOptions {
  /** Environment to read TEST_* variables from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Parent of the run dir; default os.tmpdir(). */
  parentDir?: string;
  /** Run dir prefix: the test setup's stale-run reaper only looks at its own prefix. */
  prefix: string;
  /** Called right after the run dir is created, before anything starts (to guard it against signals). */
  onRunDir?: (runDir: string) => void;
}

export interface Stack {
  runDir: string;
  services: ProvidedServices;
  stop(): Promise<void>;
}

function portsFromEnv(name: ServiceName, env: NodeJS.ProcessEnv): Partial<Record<string, number>> {
  const def = serviceDef(name);
  const ports: Partial<Record<string, number>> = {};
  for (const [role, variable] of Object.entries(def.portEnv)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) {
      throw new Error(`[test services] ${name}: ${variable}=${raw} is not a port number (1-65535)`);
    }
    ports[role] = port;
  }
  return ports;
}

function reuseEndpoint(name: ServiceName, env: NodeJS.ProcessEnv): string | undefined {
  const raw = env[serviceDef(name).reuseEnv]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

export function providedFrom(states: Record<ServiceName, ServiceState>): ProvidedServices {
  return {
    redis: { url: states.redis.endpoint },
    clickhouse: { url: states.clickhouse.endpoint },
    kafka: { brokers: states.kafka.endpoint.split(',').map((b) => b.trim()) },
    nats: { url: states.nats.endpoint },
    postgres: { url: states.postgres.endpoint },
    evm: { url: states.evm.endpoint },
    control: states,
  };
}

export async function stopStates(states: ServiceState[]): Promise<void> {
  const managed = states.filter((s): s is ManagedServiceState => s.managed);
  const results = await Promise.allSettled(
    managed.map(async (s) => {
      await stopProcess(serviceDef(s.name), s);
      await rm(s.dir, { recursive: true, force: true });
    }),
  );
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0)
    throw new AggregateError(
      failed.map((f) => f.reason as unknown),
      'stopping test services failed',
    );
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const env = opts.env ?? process.env;
  const runDir = await mkdtemp(join(opts.parentDir ?? tmpdir(), opts.prefix));
  opts.onRunDir?.(runDir);
  const states: Partial<Record<ServiceName, ServiceState>> = {};
  const startOne = async (name: ServiceName): Promise<void> => {
    const def = serviceDef(name);
    const endpoint = reuseEndpoint(name, env);
    if (endpoint !== undefined) {
      await verifyReused(def, endpoint);
      states[name] = { name, managed: false, endpoint };
      return;
    }
    const state = await startManaged(def, runDir, { ports: portsFromEnv(name, env) });
    states[name] = state;
  };
  const results = await Promise.allSettled(START_ORDER.map((name) => startOne(name)));
  const failures = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => r.reason as unknown);
  if (failures.length > 0) {
    await stopStates(Object.values(states)).catch(() => undefined);
    await rm(runDir, { recursive: true, force: true });
    if (failures.length === 1) throw failures[0];
    const text = failures.map((f) => (f instanceof Error ? f.message : String(f))).join('\n\n');
    throw new AggregateError(failures, `${failures.length} test services failed to start:\n\n${text}`);
  }
  const all = states as Record<ServiceName, ServiceState>;
  let stopping: Promise<void> | undefined;
  return {
    runDir,
    services: providedFrom(all),
    stop() {
      stopping ??= stopStates(Object.values(all)).finally(() => rm(runDir, { recursive: true, force: true }));
      return stopping;
    },
  };
}
