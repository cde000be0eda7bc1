/**
 * The `evm` connector kind: wraps the ChainFollower as a streaming connector. Each draft the
 * follower emits travels as one raw record (JSON of payload type + payload, u64 as text), so
 * quarantine keeps readable bytes and normalize stays a pure function of them. Options (defaults
 * live here once): rpcUrl (HyperEVM's public RPC), filters, reorg depth, poll cadence, cursor file.
 */
import { connectorOptions } from '../options.js';
import { resolve } from 'node:path';
import { z } from 'zod';
import { isPayloadType, payloadFromJson } from '../../envelope/index.js';
import type { PayloadType } from '../../envelope/index.js';
import type {
  Connector,
  ConnectorContext,
  ConnectorHealth,
  NormalizeResult,
  NormalizedDraft,
  RawRecord,
  RawSink,
} from '../contract.js';
import { FileCursorStore } from './cursor.js';
import { ChainFollower, type FollowerFact } from './follower.js';
import { HttpEvmRpc } from './rpc.js';

const hex = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`))
    .transform((s) => s.toLowerCase());

export const EvmConnectorOptions = z
  .object({
    rpcUrl: z.string().url().default('https://rpc.hyperliquid.xyz/evm'),
    rpcTimeoutMs: z.number().int().positive().default(10_000),
    pollIntervalMs: z.number().int().positive().default(1_000),
    maxReorgDepth: z.number().int().positive().default(64),
    maxBlocksPerStep: z.number().int().positive().default(100),
    startBlock: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Without a cursor: first height; default the head.'),
    cursorPath: z
      .string()
      .default('../../var/evm/cursor.json')
      .describe('Relative to the manifest directory.'),
    addresses: z.array(hex(20)).default([]).describe('Contracts whose logs to emit; empty = any.'),
    topics: z
      .array(z.array(hex(32)).nullable())
      .max(4)
      .default([])
      .describe('Per topic position, accepted values (OR); null = any.'),
  })
  .strict();
export type EvmConnectorOptions = z.output<typeof EvmConnectorOptions>;

const toJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** The raw bytes of one follower draft (what `normalize` reverses). */
export function encodeEvmRecord(d: NormalizedDraft): Uint8Array {
  return Buffer.from(
    JSON.stringify(
      { t: d.payloadType, id: d.nativeId, at: d.eventTimeMs, m: d.nativeMarket, p: d.payload },
      toJson,
    ),
  );
}

export function normalizeEvmRecord(raw: RawRecord): NormalizeResult {
  let r: { t?: unknown; id?: unknown; at?: unknown; m?: unknown; p?: unknown };
  try {
    r = JSON.parse(Buffer.from(raw.bytes).toString('utf8')) as typeof r;
  } catch (err) {
    return { ok: false, reason: 'PARSE_ERROR', detail: `not JSON: ${String(err)}` };
  }
  if (typeof r.t !== 'string' || !isPayloadType(r.t) || !r.t.startsWith('EVM_')) {
    return {
      ok: false,
      reason: 'UNSUPPORTED_RECORD',
      detail: `payload type ${JSON.stringify(r.t)} is not an EVM one`,
    };
  }
  if (
    typeof r.id !== 'string' ||
    typeof r.at !== 'number' ||
    typeof r.m !== 'string' ||
    typeof r.p !== 'object' ||
    r.p === null
  ) {
    return { ok: false, reason: 'SCHEMA_INVALID', detail: 'expected {t, id, at, m, p}' };
  }
  try {
    const type: PayloadType = r.t;
    const payload = payloadFromJson(type, r.p as Record<string, string | number | boolean>);
    const draft = {
      payloadType: type,
      payload,
      nativeMarket: r.m,
      eventTimeMs: r.at,
      nativeId: r.id,
    } as NormalizedDraft;
    return { ok: true, drafts: [draft] };
  } catch (err) {
    return { ok: false, reason: 'SCHEMA_INVALID', detail: String(err) };
  }
}

export class EvmConnector implements Connector {
  readonly id: string;
  readonly version: string;
  readonly capabilities;
  readonly follower: ChainFollower;
  private readonly opts: EvmConnectorOptions;
  private state: ConnectorHealth = { state: 'starting', lastRecordAtMs: null, errors: 0 };

  constructor(private readonly ctx: ConnectorContext) {
    this.opts = connectorOptions(EvmConnectorOptions, ctx);
    this.id = ctx.manifest.name;
    this.version = ctx.manifest.version;
    this.follower = new ChainFollower({
      rpc: new HttpEvmRpc({ url: this.opts.rpcUrl, timeoutMs: this.opts.rpcTimeoutMs }),
      store: new FileCursorStore(resolve(ctx.dir, this.opts.cursorPath)),
      filter: { addresses: this.opts.addresses, topics: this.opts.topics },
      maxReorgDepth: this.opts.maxReorgDepth,
      startBlock: this.opts.startBlock,
      maxBlocksPerStep: this.opts.maxBlocksPerStep,
    });
    this.capabilities = {
      streaming: true,
      polling: false,
      expectedLatencyMs: this.opts.pollIntervalMs,
      rateLimits: {},
      domains: [...new Set(ctx.manifest.markets.map((m) => m.domain))],
      markets: ctx.manifest.markets.map((m) => m.native).filter((s) => s !== '*'),
    };
  }

  onFact(listener: (f: FollowerFact) => void): void {
    this.follower.onFact(listener);
  }

  health(): ConnectorHealth {
    return this.state;
  }

  normalize(raw: RawRecord): NormalizeResult {
    return normalizeEvmRecord(raw);
  }

  async subscribe(sink: RawSink, signal: AbortSignal): Promise<void> {
    const emit = async (drafts: readonly NormalizedDraft[]): Promise<void> => {
      for (const d of drafts) {
        const receivedAtMs = this.ctx.clock.now();
        await sink.push({ bytes: encodeEvmRecord(d), receivedAtMs, sourceUri: this.opts.rpcUrl });
        this.state = { ...this.state, lastRecordAtMs: receivedAtMs };
      }
    };
    while (!signal.aborted) {
      try {
        const lag = await this.follower.step(emit, signal);
        this.state = { ...this.state, state: 'healthy' };
        if (lag > 0) continue; // catching up: poll again at once
      } catch (err) {
        if (signal.aborted) break;
        this.state = { ...this.state, state: 'degraded', errors: this.state.errors + 1, detail: String(err) };
        sink.error(err);
      }
      await this.ctx.clock.sleep(this.opts.pollIntervalMs, signal).catch(() => undefined);
    }
    this.state = { ...this.state, state: 'stopped' };
  }
}

export function createEvmConnector(ctx: ConnectorContext): EvmConnector {
  return new EvmConnector(ctx);
}
