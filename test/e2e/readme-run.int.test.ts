/**
 * Issue 6, done-when 6: the README's first command. `ingest run` with no config file and no
 * settings but private output directories and an any-port HTTP server runs the embedded
 * default (simulator source, local sinks), prints one line per signal on stdout, writes the
 * local NDJSON files, and exits 0 by itself after --duration.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Signal } from '../../src/positions/index.js';
import { startCli } from './cli-process.js';
import type { CliRun } from './cli-process.js';

const ACTION_LINE = /^\d\d:\d\d:\d\d\.\d{3} (\S+)\s+(\S+)\s+(OPEN|CLOSE|INCREASE|DECREASE|FLIP|RECONCILE)\s/;

describe('README: ingest run on the embedded default', () => {
  let dir = '';
  let run: CliRun | null = null;
  afterEach(() => {
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
    run = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints signal lines, writes var files and exits 0 after --duration', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-e2e-readme-'));
    const local = join(dir, 'ingest');
    run = startCli(['run', '--duration', '6'], {
      INGEST_LOCAL_DIR: local,
      INGEST_SPOOL_DIR: join(dir, 'spool'),
      INGEST_HTTP_PORT: '0',
    });
    const code = await run.exited;
    const stdout = run.stdout();
    expect({ code, stderrTail: code === 0 ? '' : run.stderr().slice(-2000) }).toEqual({
      code: 0,
      stderrTail: '',
    });

    const lines = stdout.split('\n').filter((l) => l.length > 0);
    const parsed = lines.map((l) => ACTION_LINE.exec(l));
    // stdout carries signals only (logs go to stderr).
    expect(lines.filter((_, i) => parsed[i] === null)).toEqual([]);
    expect(lines.length).toBeGreaterThan(3);

    const logged = readFileSync(join(local, 'signals.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { value: Signal }).value);
    // Every printed line is a signal in the local log, in the same order.
    expect(logged.map((s) => `${s.influencerId} ${s.market} ${s.action}`)).toEqual(
      parsed.map((m) => `${m?.[1]} ${m?.[2]} ${m?.[3]}`),
    );
    expect(readFileSync(join(local, 'raw.ndjson'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(
      logged.length,
    );
    expect(run.stderr()).toContain('source=simulator');
  }, 60_000);
});
