// The chain-tip follower against the harness's real Hardhat node: forced reorgs of depth 1, 2
// and 3 through evm_snapshot / evm_revert, each new branch made different by its transactions
// (calls with other values to a tiny log-emitting contract deployed from raw bytecode). After
// each reorg the follower's canonical view must equal the node's chain, every orphaned block must
// have been invalidated, and the surviving logs must be exactly the node's, once each.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedDraft } from '../../../../src/pipeline/connectors/contract.js';
import {
  ChainFollower,
  FileCursorStore,
  HttpEvmRpc,
  parseLog,
  EvmRangeSource,
  rangeOutputManifest,
  type FollowerFact,
} from '../../../../src/pipeline/connectors/evm/index.js';
import { services } from '../../../harness/index.js';

const TOPIC = 'dd'.repeat(32);
// runtime: mstore(0, callvalue); log1(0, 32, TOPIC); stop   (43 bytes)
const RUNTIME = `34600052` + `7f${TOPIC}` + `60206000a100`;
const INIT = `602b600c600039602b6000f3`;

describe('EVM chain-tip follower on Hardhat', () => {
  const rpc = new HttpEvmRpc({ url: services().evm.url, timeoutMs: 10_000 });
  let dir: string;
  let from: string;
  let contract: string;
  let startBlock: number;

  const call = (method: string, params: unknown[] = []) => rpc.call(method, params);
  const send = async (value: number): Promise<void> => {
    await call('eth_sendTransaction', [
      { from, to: contract, value: `0x${value.toString(16)}`, gas: '0x30000' },
    ]);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evm-follower-'));
    expect(RUNTIME.length / 2).toBe(43);
    from = ((await call('eth_accounts')) as string[])[0] as string;
    const txHash = (await call('eth_sendTransaction', [
      { from, data: `0x${INIT}${RUNTIME}`, gas: '0x100000' },
    ])) as string;
    const receipt = (await call('eth_getTransactionReceipt', [txHash])) as {
      contractAddress: string;
      blockNumber: string;
    };
    contract = receipt.contractAddress.toLowerCase();
    startBlock = Number.parseInt(receipt.blockNumber, 16) + 1;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('follows reorgs of depth 1, 2 and 3 to the node chain, invalidating every orphan, losing and duplicating nothing', async () => {
    await send(1);
    const store = new FileCursorStore(join(dir, 'cursor.json'));
    const follower = new ChainFollower({
      rpc,
      store,
      filter: { addresses: [contract], topics: [[`0x${TOPIC}`]] },
      maxReorgDepth: 64,
      startBlock,
      maxBlocksPerStep: 1000,
    });
    const out: NormalizedDraft[] = [];
    const facts: FollowerFact[] = [];
    follower.onFact((f) => facts.push(f));
    const emit = async (d: readonly NormalizedDraft[]): Promise<void> => void out.push(...d);
    const sync = async (): Promise<void> => {
      expect(await follower.step(emit)).toBe(0);
    };
    await sync();

    const orphaned: string[] = [];
    let value = 100;
    for (const depth of [1, 2, 3]) {
      const snap = await call('evm_snapshot');
      for (let i = 0; i < depth; i++) await send(value++);
      const head = Number(await rpc.headNumber());
      for (let n = head - depth + 1; n <= head; n++)
        orphaned.push(((await rpc.blockByNumber(n)) as { hash: string }).hash.slice(2));
      await sync(); // the follower has emitted the soon-orphaned branch
      expect(await call('evm_revert', [snap])).toBe(true);
      for (let i = 0; i < depth + 1; i++) await send(value++ + 1000); // another branch, one block longer
      await sync();
    }

    // the reorgs were seen, with their depths
    expect(facts.filter((f) => f.kind === 'reorg').map((f) => (f.kind === 'reorg' ? f.depth : 0))).toEqual([
      1, 2, 3,
    ]);

    // canonical view == node chain, height by height
    const head = await rpc.headNumber();
    const node: [number, string][] = [];
    for (let n = startBlock; n <= head; n++)
      node.push([n, ((await rpc.blockByNumber(n)) as { hash: string }).hash]);
    expect(follower.canonical().map((b): [number, string] => [b.number, b.hash])).toEqual(node);
    const saved = await store.load();
    expect(saved?.blocks.map((b) => b.hash)).toEqual(node.map(([, h]) => h));

    // every orphan invalidated, exactly once; nothing invalidated that was not orphaned
    const invalidated = out.flatMap((d) =>
      d.payloadType === 'EVM_BLOCK_INVALIDATED_V1' ? [d.payload.hash] : [],
    );
    expect(orphaned).toHaveLength(6);
    expect([...invalidated].sort()).toEqual([...orphaned].sort());

    // replaying the stream (blocks add, invalidations remove) leaves exactly the node's blocks
    const live = new Map<string, number>();
    for (const d of out) {
      if (d.payloadType === 'EVM_BLOCK_V1') {
        expect(live.has(d.payload.hash)).toBe(false); // no block emitted twice
        live.set(d.payload.hash, Number(d.payload.number));
      }
      if (d.payloadType === 'EVM_BLOCK_INVALIDATED_V1') expect(live.delete(d.payload.hash)).toBe(true);
    }
    expect([...live].map(([h, n]) => [n, `0x${h}`]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      node,
    );

    // surviving logs == the node's logs over the range, once each
    const nodeLogs = (
      (await call('eth_getLogs', [
        { fromBlock: `0x${startBlock.toString(16)}`, toBlock: 'latest', address: contract },
      ])) as unknown[]
    )
      .map(parseLog)
      .map((l) => `${l.blockHash.slice(2)}:${l.logIndex}:${l.data}`);
    const survivingLogs = out.flatMap((d) =>
      d.payloadType === 'EVM_LOG_V1' && live.has(d.payload.blockHash)
        ? [`${d.payload.blockHash}:${d.payload.logIndex}:${d.payload.data}`]
        : [],
    );
    expect(nodeLogs.length).toBe(node.length); // one call per block, each logging once
    expect(survivingLogs.sort()).toEqual(nodeLogs.sort());
    const ids = out.map((d) => d.nativeId);
    expect(new Set(ids).size).toBe(ids.length);
  });
  it('ingests the same chain as a bounded range: deterministic manifests, chunks that add up to the whole', async () => {
    const head = await rpc.headNumber();
    const source = new EvmRangeSource({
      connectorId: 'hardhat',
      connectorVersion: '1.0.0',
      sourceId: 'hardhat',
      sourceVersion: '1',
      rpc,
      filter: { addresses: [contract], topics: [] },
      domain: 'chain.evm',
    });
    const signal = new AbortController().signal;
    const whole = { index: 0, from: startBlock, to: head + 1 };
    const a = await source.fetchChunk(whole, signal);
    const b = await source.fetchChunk(whole, signal);
    expect(a.length).toBe(2 * (head + 1 - startBlock)); // a block and its one log per height
    expect(b).toEqual(a);
    const mid = startBlock + 3;
    const parts = [
      ...(await source.fetchChunk({ index: 0, from: startBlock, to: mid }, signal)),
      ...(await source.fetchChunk({ index: 1, from: mid, to: head + 1 }, signal)),
    ];
    expect(parts.map((e) => e.eventId)).toEqual(a.map((e) => e.eventId));
    const m = rangeOutputManifest('hardhat', whole, a);
    expect(m).toEqual(rangeOutputManifest('hardhat', whole, b));
    expect(m).toMatchObject({ from: startBlock, to: head + 1, count: a.length });
    expect(m.idsHash).toMatch(/^[0-9a-f]{64}$/);
    await expect(source.fetchChunk({ index: 9, from: head + 1, to: head + 2 }, signal)).rejects.toThrow(
      /above the head/,
    );
  });
});
