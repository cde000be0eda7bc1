// Stop / start / restart a test service from inside a vitest worker, on the SAME ports and data
// dir, using the state the global setup provided. The pid file in the service dir is the single
// source of truth, so global teardown also finds a process a worker restarted.
//
//   const kafka = serviceControl('kafka');
//   await kafka.stop(); ...; await kafka.start();   // or: await kafka.restart()
//
// A test that stops a service must start it again (in `finally`/afterAll): later files share it.
import { inject } from 'vitest';
import { startProcess, stopProcess } from './lifecycle.js';
import { isAlive, readPid } from './process.js';
import { serviceDef } from './registry.js';
import type { ManagedServiceState, ServiceName } from './types.js';
import './types.js';

export interface ServiceControl {
  readonly name: ServiceName;
  /** The endpoint (URL or comma-separated brokers); unchanged across restarts. */
  readonly endpoint: string;
  readonly ports: Readonly<Record<string, number>>;
  /** SIGTERM (then SIGKILL after the service's stop timeout); resolves when the process is gone. */
  stop(): Promise<void>;
  /** Launches again with the same command line, ports and data; resolves once it answers. */
  start(opts?: { timeoutMs?: number }): Promise<void>;
  restart(opts?: { timeoutMs?: number }): Promise<void>;
  /** Pid of the running process, or undefined when stopped. */
  pid(): number | undefined;
}

/** Control over an already-known state (also usable outside vitest, e.g. by scripts). */
export function controlFor(state: ManagedServiceState): ServiceControl {
  const def = serviceDef(state.name);
  const pid = (): number | undefined => {
    const p = readPid(state.pidFile);
    return p !== undefined && isAlive(p) ? p : undefined;
  };
  const control: ServiceControl = {
    name: state.name,
    endpoint: state.endpoint,
    ports: state.ports,
    pid,
    stop: () => stopProcess(def, state),
    async start(opts) {
      if (pid() !== undefined) return; // already running: starting is idempotent
      await startProcess(def, state, opts?.timeoutMs ?? def.readyTimeoutMs);
    },
    async restart(opts) {
      await control.stop();
      await control.start(opts);
    },
  };
  return control;
}

/** Control of a service of this integration run. Throws for services reused via TEST_* variables. */
export function serviceControl(name: ServiceName): ServiceControl {
  const state = inject('services').control[name];
  if (!state.managed) {
    throw new Error(
      `[test services] ${name} is reused from ${serviceDef(name).reuseEnv}=${state.endpoint}, so this run cannot stop or restart it; ` +
        `unset ${serviceDef(name).reuseEnv} to run tests that control services`,
    );
  }
  return controlFor(state);
}

/** True when `name` was started by this run (so serviceControl works); use with it.skipIf/runIf. */
export function isControllable(name: ServiceName): boolean {
  return inject('services').control[name].managed;
}
