// Process plumbing shared by every service: free ports, detached spawn with a pid file, liveness
// (zombie-aware), ownership checks against pid reuse, SIGTERM-then-SIGKILL stop, log tails.
// Services run detached (own process group, stdio to a file) so a vitest worker that restarted one
// can exit without taking it along; teardown finds it again through the pid file.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LaunchSpec } from './types.js';

/** Asks the kernel for a free loopback port. Racy by nature; callers retry on "address in use". */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('could not allocate a free port'))));
    });
  });
}

/** True if something accepts TCP connections on 127.0.0.1:port. */
export async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

/** Alive and not a zombie (an unreaped child still answers kill(pid, 0)). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return existsSync('/proc/self') ? false : true; // no procfs (not Linux): trust kill(0)
  }
}

/**
 * Guards against pid reuse: the process must run inside `dir` (every service is spawned with its
 * cwd there; Redis chdirs into its --dir, which is also inside). Without procfs, trust the pid.
 */
export function ownsPid(pid: number, dir: string): boolean {
  if (!existsSync('/proc/self')) return true;
  try {
    return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
  } catch {
    return false;
  }
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Spawns detached with stdio appended to spec.logFile and records the pid. Rejects on ENOENT etc. */
export async function launch(spec: LaunchSpec, pidFile: string): Promise<number> {
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid ?? -1));
    });
    child.unref();
    writeFileSync(pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(fd);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, sig); // the group first: catches helpers the service may have forked
    } catch {
      // already gone, or not a group leader: the other target covers it
    }
  }
}

/** SIGTERM, wait up to termTimeoutMs, then SIGKILL; resolves once the process is gone. */
export async function stopPid(pid: number, dir: string, termTimeoutMs: number): Promise<void> {
  if (!isAlive(pid) || !ownsPid(pid, dir)) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + termTimeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (!isAlive(pid)) return;
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (isAlive(pid) && Date.now() < killDeadline) await sleep(50);
}

/** Synchronous last resort for signal/exit handlers: SIGKILL the owned pid, no waiting. */
export function killNow(pidFile: string, dir: string): void {
  const pid = readPid(pidFile);
  if (pid !== undefined && isAlive(pid) && ownsPid(pid, dir)) signal(pid, 'SIGKILL');
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** The last `lines` lines of a log file, or a note saying why there are none. */
export function tail(file: string, lines = 30): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    if (text === '') return `(${file} is empty)`;
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
