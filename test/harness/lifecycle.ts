// Generic service lifecycle over a ServiceDef: install, choose ports, launch detached, wait until
// the service really answers (never longer than its deadline, failing fast if the process dies),
// stop with SIGTERM then SIGKILL, and verify reused services. Every failure is a ServiceError that
// names the service, the likely fix and the log tail.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commonHint, describe, serviceFailure, ServiceError } from './errors.js';
import { freePort, isAlive, launch, portInUse, readPid, stopPid, tail } from './process.js';
import type { ServiceDef } from './service.js';
import type { ManagedServiceState } from './types.js';

/** One probe attempt may not take longer than this, whatever the client does. */
const PROBE_ATTEMPT_MS = 5_000;
const PROBE_INTERVAL_MS = 250;
/** Attempts with fresh ports when the kernel handed us a port someone grabbed before we bound it. */
const PORT_ATTEMPTS = 3;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function logFiles(state: ManagedServiceState): string[] {
  return [state.launch.logFile, ...state.launch.extraLogFiles];
}

function likelyFix(def: ServiceDef, state: ManagedServiceState, fallback: string): string {
  const text = logFiles(state)
    .map((f) => tail(f, 200))
    .join('\n');
  return def.hint(text) ?? commonHint(text, state.ports) ?? fallback;
}

/**
 * Launches the state's command (same ports, same dir: also used for restarts) and waits until the
 * probe succeeds. On failure the process is stopped and a ServiceError thrown.
 */
export async function startProcess(
  def: ServiceDef,
  state: ManagedServiceState,
  timeoutMs = def.readyTimeoutMs,
): Promise<number> {
  for (const [role, port] of Object.entries(state.ports)) {
    if (await portInUse(port)) {
      throw serviceFailure(def.name, {
        what: `cannot start: ${role} port ${port} on 127.0.0.1 is already in use`,
        fix: `port in use: stop whatever listens on ${port} (ss -ltnp | grep ${port}) or let the harness pick free ports (unset ${def.portEnv[role] ?? 'the TEST_*_PORT variables'})`,
      });
    }
  }
  let pid: number;
  try {
    pid = await launch(state.launch, state.pidFile);
  } catch (err) {
    throw serviceFailure(def.name, {
      what: `could not run ${state.launch.command}: ${describe(err)}`,
      fix:
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${state.launch.command} not found: reinstall it (the harness installs it when missing on a fresh run)`
          : 'check the binary is executable by this user',
      cause: err,
    });
  }
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastError: unknown = new Error('no probe attempt yet');
  for (;;) {
    if (!isAlive(pid)) {
      await rm(state.pidFile, { force: true });
      throw serviceFailure(def.name, {
        what: `process ${pid} exited while starting (${Date.now() - started} ms after launch)`,
        fix: likelyFix(def, state, 'read the log below; run the command from the state by hand to reproduce'),
        logFiles: logFiles(state),
      });
    }
    try {
      await withTimeout(def.probe(state.endpoint), PROBE_ATTEMPT_MS, 'readiness probe');
      if (isAlive(pid)) return pid; // re-checked: a probe could hit an impostor on a taken port
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(PROBE_INTERVAL_MS);
  }
  await stopPid(pid, state.dir, def.stopTimeoutMs);
  await rm(state.pidFile, { force: true });
  throw serviceFailure(def.name, {
    what: `did not answer within ${timeoutMs / 1000} s at ${state.endpoint} (last probe error: ${describe(lastError)}); the process was stopped`,
    fix: likelyFix(
      def,
      state,
      'the machine may be overloaded (2 shared cores?): rerun, or start it once with `npm run services -- start` to see how long it takes',
    ),
    logFiles: logFiles(state),
  });
}

/** Stops the process recorded in the pid file (if any) and forgets the pid. Idempotent. */
export async function stopProcess(def: ServiceDef, state: ManagedServiceState): Promise<void> {
  const pid = readPid(state.pidFile);
  if (pid !== undefined) await stopPid(pid, state.dir, def.stopTimeoutMs);
  await rm(state.pidFile, { force: true });
}

export interface StartOptions {
  /** Fixed ports per role; roles not given get free ports. */
  ports?: Partial<Record<string, number>>;
}

/** Installs (outside any deadline), configures a fresh temp dir under parentDir, launches and waits. */
export async function startManaged(
  def: ServiceDef,
  parentDir: string,
  opts: StartOptions = {},
): Promise<ManagedServiceState> {
  const installed = await def.install();
  const fixed = opts.ports ?? {};
  const attempts = def.portNames.every((r) => fixed[r] !== undefined) ? 1 : PORT_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const dir = await mkdtemp(join(parentDir, `${def.name}-`));
    const ports: Record<string, number> = {};
    for (const role of def.portNames) ports[role] = fixed[role] ?? (await freePort());
    let state: ManagedServiceState | undefined;
    try {
      const { launch: spec, endpoint } = await def.prepare({ dir, ports, installed });
      state = {
        name: def.name,
        managed: true,
        dir,
        pidFile: join(dir, `${def.name}.pid`),
        ports,
        launch: spec,
        endpoint,
      };
      await startProcess(def, state);
      return state;
    } catch (err) {
      if (state !== undefined) await stopProcess(def, state);
      const portClash = err instanceof ServiceError && /port .*in use|already in use/i.test(err.message);
      if (attempt < attempts && portClash) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      await rm(dir, { recursive: true, force: true }); // the error already holds the log tail
      throw err;
    }
  }
}

/** Checks that a reused (externally started) service answers within a short deadline. */
export async function verifyReused(def: ServiceDef, endpoint: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      await withTimeout(def.probe(endpoint), PROBE_ATTEMPT_MS, 'readiness probe');
      return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(500);
  }
  throw serviceFailure(def.name, {
    what: `${def.reuseEnv}=${endpoint} was given but the service there does not answer (${attempts} attempts in ${timeoutMs / 1000} s; last error: ${describe(lastError)})`,
    fix: `start that service (e.g. \`npm run services -- start\` and export what it prints), fix the address, or unset ${def.reuseEnv} to let the harness start its own`,
  });
}
