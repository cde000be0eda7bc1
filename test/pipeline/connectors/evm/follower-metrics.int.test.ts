// The chain-tip follower's metrics in a running `ingest pipeline run`: the hyperevm connector
// (copied from connectors/, pointed at the harness's Hardhat node) runs in the CLI process, and
// its /metrics scrape must carry the follower's lag gauge once blocks were mined and followed,
// and its reorg / orphaned-block counters after a reorg forced through evm_snapshot / evm_revert.
// Progress is waited on through the scrape itself (the ingested-block counter), never by sleeping.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as fromYaml, stringify as toYaml } from 'yaml';
import { HttpEvmRpc } from '../../../../src/pipeline/connectors/evm/index.js';
import { CHAIN_FOLLOWER_METRIC_NAMES } from '../../../../src/obs/index.js';
import { startCli, type CliRun } from '../../../e2e/cli-process.js';
import { services } from '../../../harness/index.js';
import { until } from '../../../kit/wait.js';

const root = mkdtempSync(join(tmpdir(), 'evm-metrics-'));
let run: CliRun | undefined;
afterAll(async () => {
  if (run !== undefined && run.child.exitCode === null) {
    run.child.kill('SIGTERM');
    await run.exited;
  }
  rmSync(root, { recursive: true, force: true });
});

/** Polls `probe` (the shared condition wait) until it yields a value; returns that value. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  let got: T | undefined;
  await until(async () => (got = await probe()) !== undefined, ms, what, 100);
  return got as T;
}

/** The value of one series in a Prometheus text scrape, or undefined when absent. */
function series(body: string, name: string, labels: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('chain follower metrics in `ingest pipeline run`', { timeout: 180_000 }, () => {
  it('exposes the lag gauge after blocks are followed and counts a reorg and its orphans', async () => {
    const url = services().evm.url;
    const rpc = new HttpEvmRpc({ url, timeoutMs: 10_000 });
    const call = (method: string, params: unknown[] = []) => rpc.call(method, params);
    const mine = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await call('evm_mine');
    };
    const startBlock = (await rpc.headNumber()) + 1;

    const connectorsDir = join(root, 'connectors');
    mkdirSync(join(connectorsDir, 'hyperevm'), { recursive: true });
    const manifest = fromYaml(readFileSync('connectors/hyperevm/connector.yaml', 'utf8')) as {
      options: Record<string, unknown>;
    };
    writeFileSync(
      join(connectorsDir, 'hyperevm', 'connector.yaml'),
      toYaml({
        ...manifest,
        enabled: true,
        // Hardhat's blocks carry the wall-clock time of mining: wide bounds keep a slow CI run valid.
        timeBounds: { maxSkewMs: 600_000, maxStalenessMs: 3_600_000 },
        options: {
          ...manifest.options,
          rpcUrl: url,
          pollIntervalMs: 50,
          startBlock,
          cursorPath: join(root, 'cursor.json'),
        },
      }),
    );
    const cfg = join(root, 'config.yaml');
    writeFileSync(
      cfg,
      toYaml({
        pipeline: {
          connectorsDir,
          dataDir: join(root, 'data'),
          dedup: { store: 'memory' },
          aggregation: { enabled: false },
        },
      }),
    );
    await mine(1); // the follower's first block
    run = startCli(['pipeline', 'run', '-c', cfg, '--http-port', '0', '--connectors', 'hyperevm'], {
      INGEST_LOG_LEVEL: 'warn',
    });
    const r = run;
    const port = await waitFor('the ops port banner', async () => {
      if (r.child.exitCode !== null) throw new Error(`pipeline exited early: ${r.stderr()}`);
      const m = /ops http:\/\/127\.0\.0\.1:(\d+)\//.exec(r.stderr());
      return m === null ? undefined : Number(m[1]);
    });
    const scrape = async (): Promise<string> => {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      return res.text();
    };
    const N = CHAIN_FOLLOWER_METRIC_NAMES;
    const lbl = 'connector="hyperevm"';
    const blocksIngested = (body: string): number =>
      series(body, 'pipeline_events_ingested_total', `${lbl},payload_type="EVM_BLOCK_V1"`) ?? 0;

    // Mined blocks are followed: every block reached the event log, and the lag gauge reads 0.
    await mine(4);
    const head = await rpc.headNumber();
    const caughtUp = await waitFor('all mined blocks ingested', async () => {
      const body = await scrape();
      return blocksIngested(body) === head - startBlock + 1 ? body : undefined;
    });
    expect(series(caughtUp, N.lag, lbl)).toBe(0);
    expect(series(caughtUp, N.reorgs, lbl)).toBeUndefined(); // no reorg yet: no series

    // A reorg of depth 2: the follower sees the branch, then the longer other branch replaces it.
    const snap = await call('evm_snapshot');
    await mine(2);
    const branchTip = await rpc.headNumber();
    await waitFor('the soon-orphaned branch ingested', async () =>
      blocksIngested(await scrape()) === branchTip - startBlock + 1 ? true : undefined,
    );
    expect(await call('evm_revert', [snap])).toBe(true);
    // Another branch: a transaction makes its blocks differ from the orphaned ones (same height, new hash).
    const from = ((await call('eth_accounts')) as string[])[0] as string;
    await call('eth_sendTransaction', [{ from, to: from, value: '0x1' }]);
    await mine(2);
    const after = await waitFor('the reorg counted', async () => {
      const body = await scrape();
      return (series(body, N.reorgs, lbl) ?? 0) >= 1 ? body : undefined;
    });
    expect(series(after, N.reorgs, lbl)).toBe(1);
    expect(series(after, N.orphaned, lbl)).toBe(2);
    const invalidated = await waitFor('the invalidations ingested', async () => {
      const body = await scrape();
      const v = series(
        body,
        'pipeline_events_ingested_total',
        `${lbl},payload_type="EVM_BLOCK_INVALIDATED_V1"`,
      );
      return v === 2 ? body : undefined;
    });
    expect(series(invalidated, N.lag, lbl)).toBeGreaterThanOrEqual(0);

    r.child.kill('SIGTERM');
    expect(await r.exited, r.stderr()).toBe(0);
  });
});
