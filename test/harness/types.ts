// The serializable contract between the integration global setup (main vitest process) and the
// test workers: endpoints for clients, plus enough per-service state (pid file, ports, command
// line) for control.ts to stop and restart a service from inside a worker. Also declares the
// typed `inject('services')` for vitest.

export const SERVICE_NAMES = ['redis', 'clickhouse', 'kafka', 'nats', 'postgres', 'evm'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** How to (re)launch a process: exactly what control.ts replays on restart. */
export interface LaunchSpec {
  command: string;
  args: string[];
  /** Extra environment on top of the parent's. */
  env: Record<string, string>;
  /** Also the ownership proof for pid files: /proc/<pid>/cwd must be under the service dir. */
  cwd: string;
  /** Where the process's stdout+stderr go. */
  logFile: string;
  /** Further logs worth tailing in error messages (e.g. ClickHouse's err.log). */
  extraLogFiles: string[];
}

/** A service this run started (or the dev script started): it can be stopped and restarted. */
export interface ManagedServiceState {
  name: ServiceName;
  managed: true;
  /** Service-private temp dir: config, data, logs, pid file. Removed on teardown. */
  dir: string;
  /** Authoritative pid (control.ts rewrites it on restart; teardown reads it). Absent = stopped. */
  pidFile: string;
  ports: Record<string, number>;
  launch: LaunchSpec;
  /** redis://…, http://…, or a comma-separated broker list for Kafka. */
  endpoint: string;
}

/** A service given by TEST_*_URL / TEST_*_BROKERS: verified to answer, never stopped by us. */
export interface ReusedServiceState {
  name: ServiceName;
  managed: false;
  endpoint: string;
}

export type ServiceState = ManagedServiceState | ReusedServiceState;

/** What `inject('services')` returns in integration tests. */
export interface ProvidedServices {
  redis: { url: string };
  clickhouse: { url: string };
  kafka: { brokers: string[] };
  nats: { url: string };
  postgres: { url: string };
  /** JSON-RPC URL of the Hardhat node. */
  evm: { url: string };
  /** Per-service control state; use serviceControl(name) from control.ts rather than this directly. */
  control: Record<ServiceName, ServiceState>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: ProvidedServices;
  }
}
