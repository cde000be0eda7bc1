// The follower's walk-back against a fake RPC: a chain is a list of blocks whose hashes encode
// their branch, so a reorg of any depth is one `reorg(depth, tag)` call.
import { describe, expect, it } from 'vitest';
import type { NormalizedDraft } from '../../../../src/pipeline/connectors/contract.js';
import {
  ChainFollower,
  MemoryCursorStore,
  type EvmRpc,
  type FollowerFact,
  type RpcBlock,
  type RpcLog,
} from '../../../../src/pipeline/connectors/evm/index.js';

const h = (n: number, tag: string): string =>
  `0x${(tag + ':' + n).padStart(64, '0').replace(/[^0-9a-f]/g, 'f')}`;

class FakeChain implements EvmRpc {
  blocks: RpcBlock[] = [];
  constructor(length: number) {
    for (let n = 0; n < length; n++) this.push('a');
  }
  push(tag: string): void {
    const n = this.blocks.length;
    const parent = n === 0 ? `0x${'0'.repeat(64)}` : (this.blocks[n - 1] as RpcBlock).hash;
    this.blocks.push({
      number: n,
      hash: h(n, tag + 'e'.repeat(n % 3)),
      parentHash: parent,
      timestampS: 1000 + n,
      txCount: 1,
    });
  }
  reorg(depth: number, tag: string, extra = 0): void {
    this.blocks.length -= depth;
    for (let i = 0; i < depth + extra; i++) this.push(tag);
  }
  async chainId(): Promise<number> {
    return 31337;
  }
  async headNumber(): Promise<number> {
    return this.blocks.length - 1;
  }
  async blockByNumber(n: number): Promise<RpcBlock | undefined> {
    return this.blocks[n];
  }
  async logsOfBlock(blockHash: string): Promise<RpcLog[]> {
    const b = this.blocks.find((x) => x.hash === blockHash);
    if (b === undefined) return [];
    return [
      {
        blockNumber: b.number,
        blockHash,
        logIndex: 0,
        txHash: `0x${'ab'.repeat(32)}`,
        address: `0x${'11'.repeat(20)}`,
        topics: [`0x${'dd'.repeat(32)}`],
        data: '0x',
      },
    ];
  }
}

function setup(chain: FakeChain, maxReorgDepth = 5) {
  const store = new MemoryCursorStore();
  const follower = new ChainFollower({
    rpc: chain,
    store,
    filter: { addresses: [], topics: [] },
    maxReorgDepth,
    startBlock: 0,
    maxBlocksPerStep: 100,
  });
  const out: NormalizedDraft[] = [];
  const facts: FollowerFact[] = [];
  follower.onFact((f) => facts.push(f));
  const emit = async (d: readonly NormalizedDraft[]): Promise<void> => void out.push(...d);
  return { follower, store, out, facts, emit };
}

const canonicalOf = (chain: FakeChain) => chain.blocks.map((b) => [b.number, b.hash.slice(2)]);

/** Replays the emitted stream: blocks add, invalidations remove; returns the surviving view. */
function survivors(out: readonly NormalizedDraft[]): [number, string][] {
  const live = new Map<string, number>();
  for (const d of out) {
    if (d.payloadType === 'EVM_BLOCK_V1') live.set(d.payload.hash, Number(d.payload.number));
    if (d.payloadType === 'EVM_BLOCK_INVALIDATED_V1') {
      expect(live.delete(d.payload.hash)).toBe(true); // only blocks it emitted are invalidated
    }
  }
  return [...live].map(([hash, n]): [number, string] => [n, hash]).sort((a, b) => a[0] - b[0]);
}

describe('ChainFollower', () => {
  it('emits every block and its logs in height order, and reports the lag', async () => {
    const chain = new FakeChain(4);
    const { follower, out, facts, emit } = setup(chain);
    expect(await follower.step(emit)).toBe(0);
    expect(out.filter((d) => d.payloadType === 'EVM_BLOCK_V1').map((d) => Number(d.payload.number))).toEqual([
      0, 1, 2, 3,
    ]);
    expect(out.filter((d) => d.payloadType === 'EVM_LOG_V1')).toHaveLength(4);
    expect(facts.at(-1)).toEqual({ kind: 'progress', head: 3, tip: 3, lag: 0 });
  });

  it.each([1, 2, 3])(
    'walks back a depth-%i reorg: invalidates each orphan, then emits the canonical branch',
    async (depth) => {
      const chain = new FakeChain(6);
      const { follower, out, facts, emit } = setup(chain);
      await follower.step(emit);
      const orphaned = chain.blocks.slice(6 - depth).map((b) => b.hash.slice(2));
      const before = out.length;
      chain.reorg(depth, 'b', 1);
      await follower.step(emit);
      const after = out.slice(before);
      const invalidated = after
        .filter((d) => d.payloadType === 'EVM_BLOCK_INVALIDATED_V1')
        .map((d) => d.payload.hash);
      expect(invalidated).toEqual([...orphaned].reverse());
      // every invalidation precedes the first canonical replacement
      const firstBlock = after.findIndex((d) => d.payloadType === 'EVM_BLOCK_V1');
      expect(firstBlock).toBe(depth);
      expect(facts.filter((f) => f.kind === 'reorg')).toEqual([
        { kind: 'reorg', depth, ancestor: 5 - depth },
      ]);
      expect(survivors(out)).toEqual(canonicalOf(chain));
      expect(follower.canonical().map((b) => b.hash)).toEqual(
        chain.blocks.slice(-follower.canonical().length).map((b) => b.hash),
      );
    },
  );

  it('sees a same-height reorg (head number unchanged) by re-reading its tip', async () => {
    const chain = new FakeChain(5);
    const { follower, out, facts, emit } = setup(chain);
    await follower.step(emit);
    chain.reorg(2, 'c');
    await follower.step(emit);
    expect(facts.filter((f) => f.kind === 'reorg')).toEqual([{ kind: 'reorg', depth: 2, ancestor: 2 }]);
    expect(survivors(out)).toEqual(canonicalOf(chain));
  });

  it('resumes from the persisted cursor without re-emitting, and detects a reorg that happened while down', async () => {
    const chain = new FakeChain(5);
    const first = setup(chain);
    await first.follower.step(first.emit);
    chain.reorg(1, 'd', 2);
    const second = new ChainFollower({
      rpc: chain,
      store: first.store,
      filter: { addresses: [], topics: [] },
      maxReorgDepth: 5,
      startBlock: 0,
      maxBlocksPerStep: 100,
    });
    await second.step(first.emit);
    expect(survivors(first.out)).toEqual(canonicalOf(chain));
    const blockIds = first.out.filter((d) => d.payloadType === 'EVM_BLOCK_V1').map((d) => d.nativeId);
    expect(new Set(blockIds).size).toBe(blockIds.length);
  });

  it('refuses a reorg deeper than its cursor with a clear error', async () => {
    const chain = new FakeChain(6);
    const { follower, emit } = setup(chain, 2);
    await follower.step(emit);
    chain.reorg(5, 'x');
    await expect(follower.step(emit)).rejects.toThrow(/no common ancestor in the last 3 blocks/);
  });

  it('bounds a catch-up step and reports the remaining lag', async () => {
    const chain = new FakeChain(10);
    const store = new MemoryCursorStore();
    const follower = new ChainFollower({
      rpc: chain,
      store,
      filter: { addresses: [], topics: [] },
      maxReorgDepth: 3,
      startBlock: 0,
      maxBlocksPerStep: 4,
    });
    const out: NormalizedDraft[] = [];
    expect(await follower.step(async (d) => void out.push(...d))).toBe(6);
    expect(store.saved?.blocks.map((b) => b.number)).toEqual([0, 1, 2, 3]);
  });
});
