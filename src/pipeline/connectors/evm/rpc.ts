/**
 * The EVM JSON-RPC calls the chain-tip follower needs, over plain fetch: four read-only methods
 * do not justify viem or ethers as a dependency, and hex in / hex out keeps hashes exact.
 */
import { SourceError } from '../../../core/index.js';

export interface RpcBlock {
  readonly number: number;
  /** 0x + 64 lower-case hex. */
  readonly hash: string;
  readonly parentHash: string;
  readonly timestampS: number;
  readonly txCount: number;
}

export interface RpcLog {
  readonly blockNumber: number;
  readonly blockHash: string;
  readonly logIndex: number;
  readonly txHash: string;
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
}

export interface LogFilter {
  /** Contract addresses (lower-case); empty = any. */
  readonly addresses: readonly string[];
  /** Per topic position, the accepted values (OR); null = any. */
  readonly topics: readonly (readonly string[] | null)[];
}

/** The port the follower depends on (a fake in unit tests, HTTP against a node otherwise). */
export interface EvmRpc {
  chainId(signal?: AbortSignal): Promise<number>;
  headNumber(signal?: AbortSignal): Promise<number>;
  /** The canonical block at a height, or undefined above the head. */
  blockByNumber(n: number, signal?: AbortSignal): Promise<RpcBlock | undefined>;
  /** Logs of exactly one block (by hash, so a reorg between calls cannot mix branches). */
  logsOfBlock(blockHash: string, filter: LogFilter, signal?: AbortSignal): Promise<RpcLog[]>;
}

const hexNum = (v: unknown, what: string): number => {
  if (typeof v !== 'string' || !/^0x[0-9a-f]+$/i.test(v)) {
    throw new SourceError('EVM_RPC', `${what}: expected a 0x quantity, got ${JSON.stringify(v)}`);
  }
  return Number.parseInt(v, 16);
};
const hash32 = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) {
    throw new SourceError('EVM_RPC', `${what}: expected a 32-byte 0x hash, got ${JSON.stringify(v)}`);
  }
  return v.toLowerCase();
};

export function parseBlock(raw: unknown): RpcBlock | undefined {
  if (raw === null) return undefined;
  const b = raw as Record<string, unknown>;
  return {
    number: hexNum(b['number'], 'block.number'),
    hash: hash32(b['hash'], 'block.hash'),
    parentHash: hash32(b['parentHash'], 'block.parentHash'),
    timestampS: hexNum(b['timestamp'], 'block.timestamp'),
    txCount: Array.isArray(b['transactions']) ? b['transactions'].length : 0,
  };
}

export function parseLog(raw: unknown): RpcLog {
  const l = raw as Record<string, unknown>;
  const topics = l['topics'];
  if (!Array.isArray(topics)) throw new SourceError('EVM_RPC', 'log.topics: expected an array');
  return {
    blockNumber: hexNum(l['blockNumber'], 'log.blockNumber'),
    blockHash: hash32(l['blockHash'], 'log.blockHash'),
    logIndex: hexNum(l['logIndex'], 'log.logIndex'),
    txHash: hash32(l['transactionHash'], 'log.transactionHash'),
    address: String(l['address']).toLowerCase(),
    topics: topics.map((t, i) => hash32(t, `log.topics[${i}]`)),
    data: String(l['data']).toLowerCase(),
  };
}

export interface HttpEvmRpcOptions {
  readonly url: string;
  readonly timeoutMs: number;
}

export class HttpEvmRpc implements EvmRpc {
  private id = 0;
  constructor(private readonly opts: HttpEvmRpcOptions) {}

  async call(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const res = await fetch(this.opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    }).catch((cause: unknown) => {
      throw new SourceError('EVM_RPC', `${method} to ${this.opts.url} failed: ${String(cause)}`, { cause });
    });
    if (!res.ok) throw new SourceError('EVM_RPC', `${method}: HTTP ${res.status} from ${this.opts.url}`);
    const body = (await res.json()) as { result?: unknown; error?: { code?: number; message?: string } };
    if (body.error !== undefined) {
      throw new SourceError('EVM_RPC', `${method}: RPC error ${body.error.code}: ${body.error.message}`);
    }
    return body.result;
  }

  async chainId(signal?: AbortSignal): Promise<number> {
    return hexNum(await this.call('eth_chainId', [], signal), 'eth_chainId');
  }
  async headNumber(signal?: AbortSignal): Promise<number> {
    return hexNum(await this.call('eth_blockNumber', [], signal), 'eth_blockNumber');
  }
  async blockByNumber(n: number, signal?: AbortSignal): Promise<RpcBlock | undefined> {
    return parseBlock(await this.call('eth_getBlockByNumber', [`0x${n.toString(16)}`, false], signal));
  }
  async logsOfBlock(blockHash: string, filter: LogFilter, signal?: AbortSignal): Promise<RpcLog[]> {
    const params: Record<string, unknown> = { blockHash, topics: filter.topics };
    if (filter.addresses.length > 0) params['address'] = filter.addresses;
    const raw = await this.call('eth_getLogs', [params], signal);
    if (!Array.isArray(raw)) throw new SourceError('EVM_RPC', 'eth_getLogs: expected an array');
    return raw.map(parseLog).sort((a, b) => a.logIndex - b.logIndex);
  }
}
