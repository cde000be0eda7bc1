/**
 * Scale measurement for issue 12 item 8 (not part of `npm run bench`: it runs minutes):
 *
 *   npx tsx bench/influencer-scale.ts [influencers=30000] [seconds=70]
 *
 * Starts the simulator as an exchange and `ingest run` as a child process following N
 * influencers (the simulator's accounts plus generated addresses), samples the child's RSS every
 * second, sends SIGTERM after the given time and reports: whether start-up finished and how long
 * it took (spawn to "ingest started"), the exit
 * code and time to exit after SIGTERM, log volume, the most frequent log lines, and peak / last
 * RSS. Run it for a small N too: (RSS(N) - RSS(small)) / N is the RSS per influencer. Cursors
 * are in memory unless TEST_REDIS_URL is set (then in Redis under a fresh key prefix).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../src/sim/index.js';
import { startCli } from '../test/e2e/cli-process.js';

const n = Number(process.argv[2] ?? 30_000);
const seconds = Number(process.argv[3] ?? 70);

function rssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function afterStop(stderr: string, stopAt: number): string[] {
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const { time, msg, step } = JSON.parse(line) as { time: string; msg: string; step?: string };
    const ms = Date.parse(time) - stopAt;
    if (ms >= 0 && out.length < 25) out.push(`${ms} ${msg.slice(0, 100)}${step ? ` (${step})` : ''}`);
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-scale-'));
  const sim = await startSimulator({ seed: 9, accounts: Math.min(20, n), tickMs: 50 });
  const addresses: string[] = [...sim.accounts];
  for (let i = addresses.length; i < n; i++)
    addresses.push(`0x${(0xabc0000 + i).toString(16).padStart(40, '0')}`);
  writeFileSync(
    join(dir, 'influencers.yaml'),
    addresses.map((a, i) => `- id: inf-${i}\n  address: '${a}'\n`).join(''),
  );
  const redis = process.env['TEST_REDIS_URL'];
  const run = startCli(['run'], {
    INGEST_SOURCE: 'hyperliquid',
    INGEST_HL_NETWORK: 'custom',
    INGEST_HL_WS_URL: sim.wsUrl,
    INGEST_HL_INFO_URL: sim.infoUrl,
    INGEST_INFLUENCERS_SOURCE: 'file',
    INGEST_INFLUENCERS_FILE: join(dir, 'influencers.yaml'),
    ...(redis === undefined
      ? { INGEST_CURSOR_STORE: 'memory' }
      : { INGEST_REDIS_URL: redis, INGEST_REDIS_KEY_PREFIX: `scale${Date.now()}:` }),
    INGEST_SPOOL_DIR: join(dir, 'spool'),
    INGEST_LOCAL_DIR: join(dir, 'out'),
    INGEST_HTTP_PORT: '0',
    INGEST_LOG_LEVEL: 'info',
  });
  const spawnedAt = Date.now();
  let startupMs: number | null = null;
  const samples: number[] = [];
  const sampler = setInterval(() => {
    const kb = run.child.pid === undefined ? null : rssKb(run.child.pid);
    if (kb !== null) samples.push(kb);
  }, 1000);
  // Start-up time: spawn to the "ingest started" log line, checked on each log chunk.
  run.child.stderr?.on('data', () => {
    if (startupMs === null && run.stderr().includes('"msg":"ingest started"'))
      startupMs = Date.now() - spawnedAt;
  });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const startedBeforeStop = run.stderr().includes('"msg":"ingest started"');
  const rssAtStopKb = samples.at(-1) ?? 0;
  const stopAt = Date.now();
  run.child.kill('SIGTERM');
  const exit = await run.exited;
  const exitMs = Date.now() - stopAt;
  clearInterval(sampler);
  const counts = new Map<string, number>();
  for (const line of run.stderr().split('\n')) {
    if (!line.startsWith('{')) continue;
    const { msg } = JSON.parse(line) as { msg: string };
    counts.set(msg.slice(0, 90), (counts.get(msg.slice(0, 90)) ?? 0) + 1);
  }
  const report = {
    influencers: n,
    seconds,
    startedBeforeStop,
    startupMs,
    exit,
    exitMs,
    logBytes: run.stderr().length,
    // run.ts names what still held the process after `stopped`, or hit the hard deadline.
    lingered:
      run
        .stderr()
        .split('\n')
        .find((l) => l.includes('after stop: exiting'))
        ?.slice(0, 600) ?? false,
    hardDeadline: run.stderr().includes('shutdown timed out'),
    rssAtStopMb: Math.round(rssAtStopKb / 1024),
    rssPeakMb: Math.round(samples.reduce((a, b) => Math.max(a, b), 0) / 1024),
    topLogLines: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8),
    // The shutdown as logged (ms after SIGTERM, message), to see which step a slow exit spent on.
    afterStop: afterStop(run.stderr(), stopAt),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
