/**
 * Issue 20 (3) and issue 12 item 9: every fatal start-up failure of `ingest run` prints one
 * human line on stderr that names the problem and the setting that fixes it (no JSON, no stack
 * trace there) and exits with the documented code (README "Exit codes"), promptly.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { runDirsEnv, simRunEnv, killRuns, startCli } from './cli-process.js';
import type { CliRun } from './cli-process.js';
import { until } from '../kit/index.js';

function existsSignals(dir: string): boolean {
  const path = join(dir, 'out', 'signals.ndjson');
  return existsSync(path) && statSync(path).size > 0;
}

/** The ingest: lines on stderr that are not the local-mode banner lines. */
function failureLines(run: CliRun): string[] {
  return run
    .stderr()
    .split('\n')
    .filter(
      (l) => l.startsWith('ingest: ') && !l.startsWith('ingest: source=') && !l.includes('status page'),
    );
}

async function failsWith(run: CliRun, code: number, line: RegExp): Promise<number> {
  const at = Date.now();
  const exit = await run.exited;
  const ms = Date.now() - at;
  expect(exit, run.stderr() + run.stdout().slice(-2000)).toBe(code);
  const lines = failureLines(run);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(line);
  // No stack trace and no fatal JSON line for the operator (in local mode the log is stderr).
  expect(run.stderr()).not.toMatch(/^\s+at /m);
  expect(run.stderr()).not.toContain('"stack"');
  expect(run.stderr()).not.toContain('"level":60');
  process.stderr.write(`startup-failures: exit ${String(exit)} in ${ms} ms: ${lines[0] ?? ''}\n`);
  return ms;
}

describe('ingest run: start-up failures are one line and a documented exit code', () => {
  let dir = '';
  let blocker: Server | null = null;
  let sim: Simulator | null = null;
  const runs: CliRun[] = [];
  afterEach(async () => {
    killRuns(runs);
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    blocker = null;
    await sim?.close();
    sim = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function base(): Record<string, string> {
    dir = mkdtempSync(join(tmpdir(), 'ingest-e2e-startup-'));
    return { ...runDirsEnv(dir), INGEST_SIM_ACCOUNTS: '2' };
  }

  it('ops port in use: names the port and INGEST_HTTP_PORT, exit 6', async () => {
    const env = base();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(0, '0.0.0.0', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const run = startCli(['run'], { ...env, INGEST_HTTP_PORT: String(port) });
    runs.push(run);
    await failsWith(
      run,
      EXIT.CONFLICT,
      new RegExp(`^ingest: port ${port} is in use \\(another instance\\?\\); set INGEST_HTTP_PORT$`),
    );
  });

  it('spool directory held by another live instance: exit 6', async () => {
    const env = base();
    const first = startCli(['run'], { ...env, INGEST_HTTP_PORT: '0' });
    runs.push(first);
    await until(
      // Local mode: signals on stdout, the log on stderr.
      () => first.stderr().includes('"msg":"ingest started"') || first.child.exitCode !== null,
      30_000,
      'first instance started',
    );
    expect(first.child.exitCode, first.stderr()).toBeNull();
    const second = startCli(['run'], { ...env, INGEST_HTTP_PORT: '0' });
    runs.push(second);
    await failsWith(
      second,
      EXIT.CONFLICT,
      /^ingest: spool directory .* is held by another live instance .*set INGEST_SPOOL_DIR/,
    );
    // The first instance is untouched and still stops cleanly.
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('against an exchange without a reachable Redis: exit 5 naming INGEST_REDIS_URL', async () => {
    const env = base();
    sim = await startSimulator({ seed: 3, accounts: 2, tickMs: 100 });
    const run = startCli(['run'], {
      ...env,
      ...simRunEnv(sim, dir, 'redis://127.0.0.1:9'),
      INGEST_HTTP_PORT: '0',
    });
    runs.push(run);
    await failsWith(
      run,
      EXIT.UNAVAILABLE,
      /^ingest: Redis at redis:\/\/127\.0\.0\.1:9 is unreachable: .*set INGEST_REDIS_URL, or INGEST_CURSOR_STORE=memory/,
    );
  });

  it('INGEST_CURSOR_STORE=memory runs against an exchange without Redis, and says so in /ready', async () => {
    const env = base();
    sim = await startSimulator({ seed: 4, accounts: 2, tickMs: 40 });
    const run = startCli(['run'], {
      ...env,
      ...simRunEnv(sim, dir, 'redis://127.0.0.1:9'),
      INGEST_CURSOR_STORE: 'memory',
      INGEST_HTTP_PORT: '0',
    });
    runs.push(run);
    await until(
      () => /"msg":"signal published"|"action":"OPEN/.test(run.stdout() + run.stderr()) || existsSignals(dir),
      30_000,
      'a signal without Redis',
    );
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stdout().slice(-2000)).toBe(0);
  });

  it('an invalid setting: exit 3 naming the variable', async () => {
    const env = base();
    const run = startCli(['run'], { ...env, INGEST_KAFKA_REPLICATION_FACTOR: 'three' });
    runs.push(run);
    await failsWith(run, EXIT.INVALID, /^ingest: INGEST_KAFKA_REPLICATION_FACTOR: expected an integer/);
  });
});
