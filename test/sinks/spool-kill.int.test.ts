// A process is SIGKILLed while its spool holds undelivered signals; a second process on the same
// spool directory delivers every one of them, in order per key.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, services, uniqueName } from '../harness/index.js';
import { orderReport, readTopic } from './int-helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/spool-child.ts', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sinks-kill-int-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[]): {
  child: ChildProcess;
  output: () => string;
  waitFor: (re: RegExp) => Promise<string>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const waitFor = (re: RegExp): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        const m = re.exec(out);
        if (m) {
          clearInterval(timer);
          resolve(m[0]);
        } else if (child.exitCode !== null && !re.test(out)) {
          clearInterval(timer);
          reject(new Error(`child exited ${child.exitCode}: ${out}`));
        }
      }, 50);
    });
  return { child, output: () => out, waitFor };
}

describe('spool survives SIGKILL', () => {
  it('delivers everything a killed process had spooled once the sink is back', async () => {
    const topic = uniqueName('signals_kill');
    await createTopic(topic, { partitions: 2 });
    const spool = join(dir, 'spool');
    const N = 500;

    const first = run([spool, '127.0.0.1:1', topic, String(N)]); // a port nothing listens on
    await first.waitFor(/SPOOLED \d+/);
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;

    const second = run([spool, services().kafka.brokers.join(','), topic, '0']);
    expect(await second.waitFor(/RECOVERED \d+/)).toBe(`RECOVERED ${N}`);
    expect(await second.waitFor(/DRAINED \d+/)).toBe(`DRAINED ${N}`);

    const report = orderReport(await readTopic(topic, N));
    expect(report.distinct).toBe(N);
    expect(report.duplicates).toBe(0);
    expect(report.violations).toEqual([]);
  });
});
