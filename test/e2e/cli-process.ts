/**
 * Runs the `ingest` CLI as a child process for the process-level end-to-end tests: the built
 * entry point (dist/src/cli/main.js, rebuilt when any source file is newer), or, when the build
 * fails, the TypeScript source through tsx's loader in the same process (so `kill -9` of the
 * child still kills the service itself, not a wrapper).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { influencerYaml } from '../kit/influencers.js';

export const ROOT = resolve(import.meta.dirname, '../..');
const DIST_MAIN = join(ROOT, 'dist/src/cli/main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let resolved: { args: string[]; built: boolean } | null = null;

/** Node arguments that start the CLI; builds dist first when it is missing or stale. */
export function cliArgs(): { args: string[]; built: boolean } {
  if (resolved) return resolved;
  const stale = !existsSync(DIST_MAIN) || statSync(DIST_MAIN).mtimeMs < newestMtime(join(ROOT, 'src'));
  let built = !stale;
  if (stale) {
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    built = r.status === 0;
    if (!built) {
      process.stderr.write(
        `e2e: npm run build failed, running the CLI from source via tsx\n${r.stdout}${r.stderr}\n`,
      );
    }
  }
  resolved = built
    ? { args: [DIST_MAIN], built }
    : { args: ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')], built };
  return resolved;
}

export interface CliRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/**
 * Starts `ingest <argv>` with only `env` plus PATH/HOME (no INGEST_* leaks from the parent).
 * `nodeArgs` go before the script (a benchmark passes `--cpu-prof`, which NODE_OPTIONS refuses).
 */
export function startCli(
  argv: readonly string[],
  env: Record<string, string>,
  cwd = ROOT,
  nodeArgs: readonly string[] = [],
): CliRun {
  const child = spawn(process.execPath, [...nodeArgs, ...cliArgs().args, ...argv], {
    cwd,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      NODE_OPTIONS: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((res) => {
    child.on('exit', (code, signal) => res(code ?? signal ?? -1));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * The env every `ingest run` child of these tests shares: spool and local output under `dir`,
 * any free ops port, info logs (the tests wait on log lines).
 */
export function runDirsEnv(dir: string): Record<string, string> {
  return {
    INGEST_SPOOL_DIR: join(dir, 'spool'),
    INGEST_LOCAL_DIR: join(dir, 'out'),
    INGEST_HTTP_PORT: '0',
    INGEST_LOG_LEVEL: 'info',
  };
}

/**
 * The env of `ingest run` against a simulator: the hyperliquid source on its URLs, its accounts
 * as influencers from a file written into `dir`, cursors in Redis at `redisUrl`, plus
 * {@link runDirsEnv}. One builder, so a new required setting is added once for every test.
 */
export function simRunEnv(
  sim: { readonly wsUrl: string; readonly infoUrl: string; readonly accounts: readonly string[] },
  dir: string,
  redisUrl: string,
  influencers = influencerYaml(sim.accounts),
): Record<string, string> {
  const file = join(dir, 'influencers.yaml');
  writeFileSync(file, influencers);
  return {
    INGEST_SOURCE: 'hyperliquid',
    INGEST_HL_NETWORK: 'custom',
    INGEST_HL_WS_URL: sim.wsUrl,
    INGEST_HL_INFO_URL: sim.infoUrl,
    INGEST_INFLUENCERS_SOURCE: 'file',
    INGEST_INFLUENCERS_FILE: file,
    INGEST_REDIS_URL: redisUrl,
    ...runDirsEnv(dir),
  };
}

/** Test teardown: SIGKILLs every run still alive (a failed test must not leak a service) and empties `runs`. */
export function killRuns(runs: CliRun[]): void {
  for (const r of runs.splice(0))
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
}
