/**
 * `ingest sim` end to end: the process prints its URLs and accounts, serves WS and /info, and
 * exits 0 on SIGTERM after closing.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestClient, postInfo } from './helpers.js';

describe('ingest sim', () => {
  it('starts from flags, prints URLs and accounts, and stops cleanly on SIGTERM', async () => {
    const main = resolve(import.meta.dirname, '../../src/cli/main.ts');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', main, 'sim', '--json', '--accounts', '2', '--seed', '4', '--tick-ms', '50'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const line = await new Promise<string>((ok, fail) => {
        let buf = '';
        child.stdout.on('data', (d: Buffer) => {
          buf += String(d);
          const nl = buf.indexOf('\n');
          if (nl >= 0) ok(buf.slice(0, nl));
        });
        child.once('exit', (code) => fail(new Error(`exited early with ${String(code)}`)));
      });
      const summary = JSON.parse(line) as { wsUrl: string; infoUrl: string; accounts: string[] };
      expect(summary.accounts).toHaveLength(2);
      const c = await TestClient.connect(summary.wsUrl);
      c.send({ method: 'ping' });
      await c.waitChannel('pong');
      c.close();
      const r = await postInfo(summary.infoUrl, { type: 'meta' });
      expect(r.status).toBe(200);
      const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
