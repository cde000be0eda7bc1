/**
 * `ingest backfill` as a real child process against the simulator's candleSnapshot history:
 * an uninterrupted run, and a run SIGKILLed mid-way (held on info errors after some chunks
 * committed, so the kill lands between chunks' commits) then resumed by the same command; both
 * logs hold the same events (same ids, same bytes, no duplicates). Plus exit codes of bad input.
 * Waits are on the child's output or exit, never sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProgress } from '../../src/pipeline/backfill/index.js';
import { decodeEnvelope, QUALITY_FLAGS } from '../../src/pipeline/envelope/index.js';
import { FileEventLog } from '../../src/pipeline/eventlog/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { startCli } from '../e2e/cli-process.js';
import { JumpClock } from '../sim/helpers.js';

const FROM = Date.UTC(2026, 0, 5, 12, 0, 0);
const TO = FROM + 60 * 60_000;
const KEY = `hyperliquid-market.time.${FROM}-${TO}.300000`;
let sim: Simulator;
let clock: JumpClock;
const dirs: string[] = [];

beforeAll(async () => {
  clock = new JumpClock(FROM + 20_000);
  sim = await startSimulator({ seed: 15, accounts: 1, tickMs: 0, noisePerBlock: 6 }, { clock });
  // One block a minute: an hour of 1m candles for BTC, ETH and SOL.
  for (let i = 0; i < 62; i++) {
    sim.step(1);
    clock.advance(60_000);
  }
});
afterAll(async () => {
  await sim.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'backfill-cli-'));
  dirs.push(d);
  return d;
};

const args = (dataDir: string, concurrency = 2): string[] => [
  'backfill',
  '--connector',
  'hyperliquid-market',
  '--from',
  new Date(FROM).toISOString(),
  '--to',
  String(TO),
  '--chunk',
  '5m',
  '--concurrency',
  String(concurrency),
  '--data-dir',
  dataDir,
  '--info-url',
  sim.infoUrl,
];

const ENV = { INGEST_LOG_LEVEL: 'warn' };

async function logContents(dataDir: string): Promise<Map<string, string[]>> {
  const log = FileEventLog.open({
    dir: join(dataDir, 'events'),
    segmentBytes: 1 << 26,
    indexIntervalRecords: 64,
    fsync: 'flush',
  });
  const out = new Map<string, string[]>();
  for (const p of [...(await log.partitions())].sort()) {
    const recs = await log.read(p, { maxRecords: 1_000_000 });
    out.set(
      p,
      recs.map((r) => `${r.eventId}:${Buffer.from(r.bytes).toString('hex')}`),
    );
  }
  await log.close();
  return out;
}

// Child processes start through tsx: seconds each on a loaded 2-core machine.
describe('ingest backfill (child process)', { timeout: 90_000 }, () => {
  let expected: Map<string, string[]>;

  it('backfills candles into the event log, every event labelled backfill, exit 0', async () => {
    clock.advance(120_000); // a fresh rate window at the simulator
    const dir = tmp();
    const run = startCli(args(dir), ENV);
    expect(await run.exited, run.stderr()).toBe(0);
    const summary = JSON.parse(run.stdout().trim()) as { totalChunks: number; appended: number };
    expect(summary.totalChunks).toBe(12);
    expect(run.stderr()).toContain('committed: 12/12');
    expected = await logContents(dir);
    expect([...expected.keys()]).toEqual(['hl.perp.BTC', 'hl.perp.ETH', 'hl.perp.SOL']);
    const all = [...expected.values()].flat();
    expect(all.length).toBe(summary.appended);
    expect(all.length).toBeGreaterThanOrEqual(100); // up to 60 closed 1m candles per coin (buckets without trades have none)
    for (const line of all) {
      const e = decodeEnvelope(Buffer.from(line.split(':')[1] as string, 'hex'));
      expect(e.payloadType).toBe('CANDLE_V1');
      expect(e.qualityFlags & QUALITY_FLAGS.BACKFILL).toBe(QUALITY_FLAGS.BACKFILL);
      expect(e.sourceUri).toMatch(/^backfill:\/\/hyperliquid-market\/time\/\d+-\d+$/);
    }
  });

  it('SIGKILLed mid-way and resumed by the same command, gives the same log as the uninterrupted run', async () => {
    clock.advance(120_000);
    const dir = tmp();
    const run = startCli(args(dir, 1), ENV);
    // Hold the run after 4 chunks: info answers 500 (the client retries) until cleared.
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if ((run.stderr().match(/committed: /g) ?? []).length >= 4) {
          sim.faults.infoError({ status: 500, durationMs: 3_600_000 });
          resolve();
        }
      };
      run.child.stderr?.on('data', check);
      void run.exited.then((c) => reject(new Error(`exited (${c}) before 4 chunks: ${run.stderr()}`)));
    });
    run.child.kill('SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    sim.faults.clearInfoErrors();
    const killedAt = readProgress(join(dir, 'backfill', `${KEY}.json`));
    expect(killedAt?.done).toBe(false);
    expect(killedAt?.committedChunks).toBeGreaterThanOrEqual(4);
    expect(killedAt?.committedChunks).toBeLessThan(12);

    clock.advance(120_000);
    const resumed = startCli(args(dir), ENV);
    expect(await resumed.exited, resumed.stderr()).toBe(0);
    expect(resumed.stderr()).toContain(`resumed at chunk ${killedAt?.committedChunks}`);
    const got = await logContents(dir);
    expect(got).toEqual(expected);
    const ids = [...got.values()].flat().map((l) => l.split(':')[0]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('backfills userFillsByTime history of --users through the influencer-ingester connector', async () => {
    clock.advance(120_000);
    const dir = tmp();
    const run = startCli(
      [
        'backfill',
        '--connector',
        'influencer-ingester',
        '--from',
        String(FROM),
        '--to',
        String(TO),
        '--chunk',
        '20m',
        '--users',
        sim.accounts.join(','),
        '--data-dir',
        dir,
        '--info-url',
        sim.infoUrl,
      ],
      ENV,
    );
    expect(await run.exited, run.stderr()).toBe(0);
    const summary = JSON.parse(run.stdout().trim()) as { totalChunks: number; appended: number };
    expect(summary.totalChunks).toBe(3);
    const all = [...(await logContents(dir)).values()].flat();
    expect(all.length).toBe(summary.appended);
    expect(all.length).toBeGreaterThan(0);
    for (const line of all)
      expect(decodeEnvelope(Buffer.from(line.split(':')[1] as string, 'hex')).payloadType).toBe(
        'INFLUENCER_FILL_V1',
      );
    const noUsers = startCli(
      ['backfill', '--connector', 'influencer-ingester', '--from', '0', '--to', '5', '--data-dir', dir],
      ENV,
    );
    expect(await noUsers.exited).toBe(3);
    expect(noUsers.stderr()).toContain('--users: connector influencer-ingester backfills fills of accounts');
  });

  it('exits 3 on a bad range, 4 on an unknown connector, 7 on a kind without a range source', async () => {
    const dir = tmp();
    const bad = startCli(
      [
        'backfill',
        '--connector',
        'hyperliquid-market',
        '--from',
        'yesterday',
        '--to',
        '5',
        '--data-dir',
        dir,
      ],
      ENV,
    );
    expect(await bad.exited).toBe(3);
    expect(bad.stderr()).toContain('--from: expected an ISO time or ms since epoch, got "yesterday"');
    const reversed = startCli(
      ['backfill', '--connector', 'hyperliquid-market', '--from', '10', '--to', '5', '--data-dir', dir],
      ENV,
    );
    expect(await reversed.exited).toBe(3);
    expect(reversed.stderr()).toContain('to (5) is before from (10)');
    const missing = startCli(
      ['backfill', '--connector', 'nope', '--from', '0', '--to', '5', '--data-dir', dir],
      ENV,
    );
    expect(await missing.exited).toBe(4);
    expect(missing.stderr()).toContain('no connector "nope"');
    const kind = startCli(
      ['backfill', '--connector', 'synthetic', '--from', '0', '--to', '5', '--data-dir', dir],
      ENV,
    );
    expect(await kind.exited).toBe(7);
    expect(kind.stderr()).toContain('has no range source for backfill');
  });
});
