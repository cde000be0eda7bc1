/**
 * The chain-tip follower: polls the head and emits each new canonical block and its filtered
 * logs as drafts, in height order. Before extending it re-checks its tip; on a parent-hash
 * mismatch (or a tip that is no longer canonical) it walks back through its cursor to the common
 * ancestor, emits an invalidation for every orphaned block (newest first), and then emits the
 * canonical branch from the ancestor up. Emit happens before the cursor is saved, so a crash
 * re-emits at most one block: ids are deterministic (chain id + block hash [+ log index]) and
 * dedup drops the repeat.
 */
import { SourceError } from '../../../core/index.js';
import type { NormalizedDraft } from '../contract.js';
import type { ChainCursor, CursorBlock, CursorStore } from './cursor.js';
import type { EvmRpc, LogFilter, RpcBlock, RpcLog } from './rpc.js';

const ZERO_HASH = '0'.repeat(64);
const strip = (h: string): string => h.slice(2);

export interface ChainFollowerOptions {
  readonly rpc: EvmRpc;
  readonly store: CursorStore;
  readonly filter: LogFilter;
  /** Deepest reorg it can recover from: the cursor keeps this many blocks + 1. */
  readonly maxReorgDepth: number;
  /** First height when there is no cursor; undefined = the head at first poll. */
  readonly startBlock: number | undefined;
  /** Bound on blocks emitted per step, so one poll cannot run unbounded during catch-up. */
  readonly maxBlocksPerStep: number;
}

export type FollowerFact =
  | { readonly kind: 'progress'; readonly head: number; readonly tip: number; readonly lag: number }
  | { readonly kind: 'reorg'; readonly depth: number; readonly ancestor: number };

export type EmitDrafts = (drafts: readonly NormalizedDraft[]) => Promise<void>;

export class ChainFollower {
  private cursor: ChainCursor | undefined;
  private readonly listeners: ((f: FollowerFact) => void)[] = [];

  constructor(private readonly opts: ChainFollowerOptions) {}

  onFact(listener: (f: FollowerFact) => void): void {
    this.listeners.push(listener);
  }

  /** The canonical view: height → hash of every block the cursor still holds. */
  canonical(): readonly CursorBlock[] {
    return this.cursor?.blocks ?? [];
  }

  /** One poll: catch up towards the head by at most maxBlocksPerStep blocks. Returns the lag left. */
  async step(emit: EmitDrafts, signal?: AbortSignal): Promise<number> {
    const { rpc } = this.opts;
    if (this.cursor === undefined) {
      const chainId = await rpc.chainId(signal);
      const saved = await this.opts.store.load();
      if (saved !== undefined && saved.chainId !== chainId) {
        throw new SourceError(
          'EVM_RPC',
          `cursor is for chain ${saved.chainId} but the RPC serves chain ${chainId}`,
        );
      }
      this.cursor = saved ?? { chainId, blocks: [] };
    }
    const head = await rpc.headNumber(signal);
    let emitted = 0;
    if (this.cursor.blocks.length === 0) {
      const first = await this.mustBlock(this.opts.startBlock ?? head, signal);
      await this.extend(first, emit, signal);
      emitted++;
    }
    await this.checkTip(emit, signal);
    while (emitted < this.opts.maxBlocksPerStep) {
      const tip = this.tip();
      if (tip.number >= head) break;
      const next = await rpc.blockByNumber(tip.number + 1, signal);
      if (next === undefined) break; // the head moved back under us: the next step's tip check sees it
      if (next.parentHash !== tip.hash) {
        await this.reorg(emit, signal);
        continue;
      }
      await this.extend(next, emit, signal);
      emitted++;
    }
    const lag = Math.max(0, head - this.tip().number);
    this.fire({ kind: 'progress', head, tip: this.tip().number, lag });
    return lag;
  }

  private tip(): CursorBlock {
    const blocks = this.cursor?.blocks ?? [];
    const t = blocks[blocks.length - 1];
    if (t === undefined) throw new SourceError('EVM_RPC', 'follower has no tip yet');
    return t;
  }

  private async mustBlock(n: number, signal?: AbortSignal): Promise<RpcBlock> {
    const b = await this.opts.rpc.blockByNumber(n, signal);
    if (b === undefined) throw new SourceError('EVM_RPC', `block ${n} does not exist (head moved back?)`);
    return b;
  }

  /** Same-height reorgs leave the head number unchanged: only re-reading the tip reveals them. */
  private async checkTip(emit: EmitDrafts, signal?: AbortSignal): Promise<void> {
    const tip = this.tip();
    const canon = await this.opts.rpc.blockByNumber(tip.number, signal);
    if (canon?.hash !== tip.hash) await this.reorg(emit, signal);
  }

  private async reorg(emit: EmitDrafts, signal?: AbortSignal): Promise<void> {
    const cursor = this.cursor as ChainCursor;
    const blocks = cursor.blocks;
    const replacedBy = new Map<number, string>();
    let ancestor = -1;
    for (let i = blocks.length - 1; i >= 0; i--) {
      const mine = blocks[i] as CursorBlock;
      const canon = await this.opts.rpc.blockByNumber(mine.number, signal);
      if (canon?.hash === mine.hash) {
        ancestor = i;
        break;
      }
      replacedBy.set(mine.number, canon?.hash ?? `0x${ZERO_HASH}`);
    }
    if (ancestor < 0) {
      throw new SourceError(
        'EVM_REORG_TOO_DEEP',
        `no common ancestor in the last ${blocks.length} blocks (down to ${blocks[0]?.number}); raise maxReorgDepth and re-sync`,
      );
    }
    const orphans = blocks.slice(ancestor + 1).reverse();
    const market = `evm.${cursor.chainId}`;
    await emit(
      orphans.map((o): NormalizedDraft => ({
        payloadType: 'EVM_BLOCK_INVALIDATED_V1',
        payload: {
          chainId: BigInt(cursor.chainId),
          number: BigInt(o.number),
          hash: strip(o.hash),
          replacedBy: strip(replacedBy.get(o.number) ?? `0x${ZERO_HASH}`),
        },
        nativeMarket: market,
        eventTimeMs: o.timestampS * 1000,
        nativeId: `${cursor.chainId}:${strip(o.hash)}:invalidated`,
      })),
    );
    this.cursor = { chainId: cursor.chainId, blocks: blocks.slice(0, ancestor + 1) };
    await this.opts.store.save(this.cursor);
    this.fire({ kind: 'reorg', depth: orphans.length, ancestor: (blocks[ancestor] as CursorBlock).number });
  }

  private async extend(b: RpcBlock, emit: EmitDrafts, signal?: AbortSignal): Promise<void> {
    const cursor = this.cursor as ChainCursor;
    const logs = await this.opts.rpc.logsOfBlock(b.hash, this.opts.filter, signal);
    await emit([blockDraft(cursor.chainId, b), ...logs.map((l) => logDraft(cursor.chainId, b, l))]);
    const keep = this.opts.maxReorgDepth + 1;
    const blocks = [...cursor.blocks, { number: b.number, hash: b.hash, timestampS: b.timestampS }];
    this.cursor = { chainId: cursor.chainId, blocks: blocks.slice(Math.max(0, blocks.length - keep)) };
    await this.opts.store.save(this.cursor);
  }

  private fire(f: FollowerFact): void {
    for (const l of this.listeners) l(f);
  }
}

export function blockDraft(chainId: number, b: RpcBlock): NormalizedDraft {
  return {
    payloadType: 'EVM_BLOCK_V1',
    payload: {
      chainId: BigInt(chainId),
      number: BigInt(b.number),
      hash: strip(b.hash),
      parentHash: strip(b.parentHash),
      timestampS: BigInt(b.timestampS),
      txCount: b.txCount,
    },
    nativeMarket: `evm.${chainId}`,
    eventTimeMs: b.timestampS * 1000,
    nativeId: `${chainId}:${strip(b.hash)}`,
  };
}

export function logDraft(chainId: number, b: RpcBlock, l: RpcLog): NormalizedDraft {
  return {
    payloadType: 'EVM_LOG_V1',
    payload: {
      chainId: BigInt(chainId),
      blockNumber: BigInt(l.blockNumber),
      blockHash: strip(l.blockHash),
      logIndex: l.logIndex,
      txHash: strip(l.txHash),
      address: l.address,
      topics: l.topics.join(','),
      data: l.data,
    },
    nativeMarket: `evm.${chainId}`,
    eventTimeMs: b.timestampS * 1000,
    nativeId: `${chainId}:${strip(l.blockHash)}:${l.logIndex}`,
  };
}
