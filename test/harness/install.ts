// Idempotent installation of what the services need, done before any readiness deadline starts:
// Debian packages through apt-get (an `apt-get update` only when the first install attempt fails),
// and generic command running with captured output for clear errors. apt calls are serialized in
// this process because dpkg holds one global lock.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { serviceFailure } from './errors.js';
import type { ServiceName } from './types.js';

/** Extra dirs to search: non-root PATHs often lack the sbin dirs where clickhouse-server lives. */
const EXTRA_BIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** Absolute path of an executable on PATH (plus the sbin dirs), or undefined. */
export function which(binary: string): string | undefined {
  if (binary.includes('/')) return isExecutable(binary) ? binary : undefined;
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...EXTRA_BIN_DIRS];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, capturing stdout+stderr together (bounded to the last 64 KiB). */
export async function run(
  command: string,
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL',
    });
    let output = '';
    const append = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-65_536);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

let aptQueue: Promise<unknown> = Promise.resolve();

function lastLines(text: string, n = 30): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

/**
 * Makes sure `binary` exists, installing `packages` with apt-get if it does not. Returns the
 * binary's absolute path. Throws a ServiceError with the apt output and the manual command.
 */
export async function ensureAptBinary(
  service: ServiceName,
  binary: string,
  packages: string[],
): Promise<string> {
  const found = which(binary);
  if (found !== undefined) return found;
  const manual = `sudo apt-get install -y ${packages.join(' ')}`;
  const job = aptQueue.then(() => aptInstall(service, binary, packages, manual));
  aptQueue = job.catch(() => undefined);
  await job;
  const installed = which(binary);
  if (installed === undefined) {
    throw serviceFailure(service, {
      what: `apt-get installed ${packages.join(' ')} but '${binary}' is still not on PATH`,
      fix: `check the package provides ${binary} (dpkg -L ${packages[0] ?? ''}), or put it on PATH`,
    });
  }
  return installed;
}

async function aptInstall(
  service: ServiceName,
  binary: string,
  packages: string[],
  manual: string,
): Promise<void> {
  if (which(binary) !== undefined) return; // another caller installed it meanwhile
  const aptGet = which('apt-get');
  const isRoot = process.getuid?.() === 0;
  const sudo = which('sudo');
  if (aptGet === undefined || (!isRoot && sudo === undefined)) {
    throw serviceFailure(service, {
      what: `'${binary}' not found and it cannot be installed automatically (${aptGet === undefined ? 'no apt-get' : 'not root and no sudo'})`,
      fix: `install with: ${manual}`,
    });
  }
  const asRoot = (args: string[]): [string, string[]] =>
    isRoot ? [aptGet, args] : [sudo ?? 'sudo', ['-n', aptGet, ...args]];
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const installArgs = [
    '-o',
    'DPkg::Lock::Timeout=120',
    'install',
    '-y',
    '--no-install-recommends',
    ...packages,
  ];
  console.log(
    `[test services] ${service}: '${binary}' not found, installing ${packages.join(' ')} with apt-get`,
  );
  let result = await run(...asRoot(installArgs), { env, timeoutMs: 600_000 });
  if (result.code !== 0) {
    // Package lists are missing or stale (fresh CI image): refresh once and retry.
    const update = await run(...asRoot(['-o', 'DPkg::Lock::Timeout=120', 'update']), {
      env,
      timeoutMs: 300_000,
    });
    if (update.code !== 0) {
      throw serviceFailure(service, {
        what: `apt-get update failed (exit ${update.code}):\n${lastLines(update.output)}`,
        fix: `check network access to the Debian mirrors, then: ${manual}`,
      });
    }
    result = await run(...asRoot(installArgs), { env, timeoutMs: 600_000 });
  }
  if (result.code !== 0) {
    throw serviceFailure(service, {
      what: `apt-get install ${packages.join(' ')} failed (exit ${result.code}):\n${lastLines(result.output)}`,
      fix: `install with: ${manual}`,
    });
  }
}
