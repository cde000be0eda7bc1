/**
 * `ingest backfill` of an EVM block range as a real child process against the harness's Hardhat
 * node: the hyperevm connector's manifest with `--rpc-url` pointed at the node. The log then
 * holds exactly one EVM_BLOCK_V1 per height of the range, each equal to the node's block (hash,
 * parent hash), and the same command run again appends nothing (idempotent by event_id).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEvmRpc } from '../../src/pipeline/connectors/evm/index.js';
import { decodeEnvelope, decodePayload } from '../../src/pipeline/envelope/index.js';
import { FileEventLog } from '../../src/pipeline/eventlog/index.js';
import { services } from '../harness/index.js';
import { startCli } from '../e2e/cli-process.js';

/** 32-byte values as lower-case hex without 0x (the layout's bytes32 text form). */
const hex = (v: unknown): string =>
  (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v)).toLowerCase().replace(/^0x/, '');

describe('ingest backfill of an EVM block range (Hardhat)', () => {
  const rpc = new HttpEvmRpc({ url: services().evm.url, timeoutMs: 10_000 });
  let dir: string;
  let from: number;
  const COUNT = 9;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backfill-evm-'));
    const head = Number(await rpc.call('eth_blockNumber', []));
    for (let i = 0; i < COUNT + 1; i++) await rpc.call('evm_mine', []);
    from = head + 1;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const args = (): string[] => [
    'backfill',
    '--connector',
    'hyperevm',
    '--from',
    String(from),
    '--to',
    String(from + COUNT),
    '--chunk',
    '4',
    '--data-dir',
    dir,
    '--rpc-url',
    services().evm.url,
  ];

  async function blocksInLog(): Promise<{ number: number; hash: string; parentHash: string }[]> {
    const log = FileEventLog.open({
      dir: join(dir, 'events'),
      segmentBytes: 1 << 26,
      indexIntervalRecords: 64,
      fsync: 'flush',
    });
    const out: { number: number; hash: string; parentHash: string }[] = [];
    for (const p of await log.partitions()) {
      for (const r of await log.read(p, { maxRecords: 100_000 })) {
        const e = decodeEnvelope(r.bytes);
        if (e.payloadType !== 'EVM_BLOCK_V1') continue;
        const b = decodePayload('EVM_BLOCK_V1', e.payload);
        out.push({ number: Number(b.number), hash: hex(b.hash), parentHash: hex(b.parentHash) });
      }
    }
    await log.close();
    return out.sort((a, b) => a.number - b.number);
  }

  it('writes each block of the range once, equal to the node, and a rerun appends nothing', async () => {
    const run = startCli(args(), { INGEST_LOG_LEVEL: 'warn' });
    expect(await run.exited, run.stderr()).toBe(0);
    const summary = JSON.parse(run.stdout().trim()) as { totalChunks: number; appended: number };
    expect(summary.totalChunks).toBe(3);
    expect(summary.appended).toBeGreaterThanOrEqual(COUNT);

    const got = await blocksInLog();
    expect(got.map((b) => b.number)).toEqual(Array.from({ length: COUNT }, (_, i) => from + i));
    for (const b of got) {
      const node = (await rpc.call('eth_getBlockByNumber', [`0x${b.number.toString(16)}`, false])) as {
        hash: string;
        parentHash: string;
      };
      expect(b).toEqual({
        number: b.number,
        hash: hex(node.hash),
        parentHash: hex(node.parentHash),
      });
    }

    // Same manifest again: the progress file says done, or the append finds every id present.
    const again = startCli(args(), { INGEST_LOG_LEVEL: 'warn' });
    expect(await again.exited, again.stderr()).toBe(0);
    expect(await blocksInLog()).toEqual(got);
  });
});
