/**
 * The synthetic connector (M0 §3, §14): a seeded, deterministic generator of trades, book tops
 * and asset contexts on a random walk per market, in a compact binary native format that
 * normalize decodes (market symbols by index into the manifest's table) (so the pipeline is exercised end to end, raw bytes included). With
 * `startTimeMs` set it is fully deterministic (event and receipt times derive from the seed);
 * without, it stamps the live clock. `anomalyEvery` injects a price spike or a crossed book.
 */
import { connectorOptions } from './options.js';
import { z } from 'zod';
import { ConfigError } from '../../core/index.js';
import { PX_SCALE, SZ_SCALE } from '../envelope/index.js';
import type {
  Connector,
  ConnectorContext,
  ConnectorHealth,
  NormalizeResult,
  RawRecord,
  RawSink,
} from './contract.js';
import { SeededRandom } from './prng.js';

export const SyntheticOptions = z
  .object({
    seed: z.number().int().default(1),
    count: z.number().int().nonnegative().default(0).describe('Records to emit; 0 = until stopped.'),
    ratePerSecond: z
      .number()
      .int()
      .nonnegative()
      .default(200)
      .describe('0 = as fast as the pipeline takes them.'),
    startTimeMs: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Set: deterministic times from here; absent: live clock.'),
    stepMs: z.number().int().positive().default(1),
    latencyMs: z
      .number()
      .int()
      .nonnegative()
      .default(5)
      .describe('Max simulated receipt delay (deterministic mode).'),
    anomalyEvery: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('Every Nth record is a spike or crossed book; 0 = never.'),
    basePrices: z.record(z.string(), z.number().positive()).default({}),
  })
  .strict();
export type SyntheticOptions = z.output<typeof SyntheticOptions>;

const KIND_TRADE = 1;
const KIND_BBO = 2;
const KIND_CTX = 3;
const PX = 10 ** PX_SCALE;
const SZ = 10 ** SZ_SCALE;

export class SyntheticConnector implements Connector {
  readonly id: string;
  readonly version: string;
  readonly capabilities;
  private readonly opts: SyntheticOptions;
  private readonly symbols: string[];
  private state: ConnectorHealth = { state: 'starting', lastRecordAtMs: null, errors: 0 };

  constructor(private readonly ctx: ConnectorContext) {
    this.opts = connectorOptions(SyntheticOptions, ctx);
    this.id = ctx.manifest.name;
    this.version = ctx.manifest.version;
    this.symbols = ctx.manifest.markets.map((m) => m.native).filter((s) => s !== '*');
    if (this.symbols.length === 0 || this.symbols.length > 255) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `${ctx.manifest.name}: the synthetic connector needs 1..255 explicit markets`,
      );
    }
    this.capabilities = {
      streaming: true,
      polling: false,
      expectedLatencyMs: this.opts.latencyMs,
      rateLimits: {},
      domains: [...new Set(ctx.manifest.markets.map((m) => m.domain))],
      markets: this.symbols,
    };
  }

  health(): ConnectorHealth {
    return this.state;
  }

  /** The records this connector emits, in order (also used directly by tests and the bench). */
  *records(now: () => number): Generator<RawRecord> {
    const rnd = new SeededRandom(this.opts.seed);
    const prices = this.symbols.map((s) => this.opts.basePrices[s] ?? defaultPrice(s));
    for (let i = 0; this.opts.count === 0 || i < this.opts.count; i++) {
      const m = i % this.symbols.length;
      const p = (prices[m] as number) * (1 + (rnd.next() - 0.5) * 0.0004);
      prices[m] = p;
      const live = this.opts.startTimeMs === undefined;
      const eventTimeMs = live ? now() : (this.opts.startTimeMs as number) + i * this.opts.stepMs;
      const receivedAtMs = live ? eventTimeMs : eventTimeMs + rnd.int(this.opts.latencyMs + 1);
      const anomaly = this.opts.anomalyEvery > 0 && i > 0 && i % this.opts.anomalyEvery === 0;
      const slot = i % 10;
      const kind = slot < 6 ? KIND_TRADE : slot < 9 ? KIND_BBO : KIND_CTX;
      const px = anomaly && kind !== KIND_BBO ? p * 1.2 : p;
      const w = new Writer(m, kind, i, eventTimeMs);
      if (kind === KIND_TRADE) {
        w.i64(px * PX)
          .i64((0.001 + rnd.next()) * SZ)
          .u8(rnd.int(2));
      } else if (kind === KIND_BBO) {
        const half = p * 0.0001;
        const [bid, ask] = anomaly ? [p + half, p - half] : [p - half, p + half];
        w.i64(bid * PX)
          .i64((0.1 + rnd.next()) * SZ)
          .i64(ask * PX)
          .i64((0.1 + rnd.next()) * SZ);
      } else {
        w.i64(px * PX)
          .i64(p * PX)
          .i64((rnd.next() - 0.5) * 1e-4 * 1e12)
          .i64((1000 + rnd.next() * 10) * SZ);
      }
      yield { bytes: w.done(), receivedAtMs };
    }
  }

  async subscribe(sink: RawSink, signal: AbortSignal): Promise<void> {
    this.state = { state: 'healthy', lastRecordAtMs: null, errors: 0 };
    const clock = this.ctx.clock;
    const rate = this.opts.ratePerSecond;
    let sent = 0;
    let tickBudget = 0;
    for (const raw of this.records(() => clock.now())) {
      if (signal.aborted) break;
      if (rate > 0) {
        if (tickBudget === 0) {
          await clock.sleep(100, signal).catch(() => undefined);
          if (signal.aborted) break;
          tickBudget = Math.max(1, Math.round(rate / 10));
        }
        tickBudget--;
      }
      const p = sink.push(raw);
      if (p !== undefined) await p;
      this.state = { ...this.state, lastRecordAtMs: raw.receivedAtMs };
      // Unpaced: let timers and I/O run now and then.
      if (rate === 0 && ++sent % 8192 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    this.state = { ...this.state, state: 'stopped' };
  }

  normalize(raw: RawRecord): NormalizeResult {
    const b = raw.bytes;
    const kind = b[0];
    const need =
      kind === KIND_TRADE ? HEADER + 17 : kind === KIND_BBO || kind === KIND_CTX ? HEADER + 32 : -1;
    if (need < 0)
      return { ok: false, reason: 'UNSUPPORTED_RECORD', detail: `unknown synthetic kind ${kind}` };
    if (b.length !== need) {
      return {
        ok: false,
        reason: 'PARSE_ERROR',
        detail: `synthetic record of kind ${kind} has ${b.length} bytes, expected ${need}`,
      };
    }
    const nativeMarket = this.symbols[b[1] ?? 0];
    if (nativeMarket === undefined)
      return { ok: false, reason: 'SCHEMA_INVALID', detail: `market index ${b[1]} out of range` };
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const seq = v.getBigUint64(2);
    const eventTimeMs = v.getUint32(10) * 2 ** 32 + v.getUint32(14);
    const nativeId = seq.toString();
    if (kind === KIND_TRADE) {
      const payload = {
        px: v.getBigInt64(HEADER),
        sz: v.getBigInt64(HEADER + 8),
        side: b[HEADER + 16] === 0 ? 'BUY' : 'SELL',
        tradeId: seq,
      } as const;
      return {
        ok: true,
        drafts: [
          { nativeMarket, eventTimeMs, nativeId, sourceSeq: seq, payloadType: 'TRADE_TICK_V1', payload },
        ],
      };
    }
    if (kind === KIND_BBO) {
      const payload = {
        bidPx: v.getBigInt64(HEADER),
        bidSz: v.getBigInt64(HEADER + 8),
        askPx: v.getBigInt64(HEADER + 16),
        askSz: v.getBigInt64(HEADER + 24),
      };
      return {
        ok: true,
        drafts: [
          { nativeMarket, eventTimeMs, nativeId, sourceSeq: seq, payloadType: 'BOOK_TOP_V1', payload },
        ],
      };
    }
    const payload = {
      markPx: v.getBigInt64(HEADER),
      oraclePx: v.getBigInt64(HEADER + 8),
      midPx: 0n,
      funding: v.getBigInt64(HEADER + 16),
      premium: 0n,
      openInterest: v.getBigInt64(HEADER + 24),
      dayNtlVlm: 0n,
      prevDayPx: 0n,
    };
    return {
      ok: true,
      drafts: [{ nativeMarket, eventTimeMs, nativeId, sourceSeq: seq, payloadType: 'ASSET_CTX_V1', payload }],
    };
  }
}

function defaultPrice(sym: string): number {
  return ({ BTC: 90_000, ETH: 3_000, SOL: 150 } as Record<string, number>)[sym] ?? 100;
}

/** The synthetic wire format: u8 kind · u8 market index (into the manifest's symbols) · u64 seq · u64 time · i64 fields (· u8 side). */
const HEADER = 18;

class Writer {
  private readonly buf = Buffer.allocUnsafe(HEADER + 32);
  private pos = HEADER;

  constructor(market: number, kind: number, seq: number, timeMs: number) {
    this.buf[0] = kind;
    this.buf[1] = market;
    this.u64(seq, 2);
    this.u64(timeMs, 10);
  }

  private u64(v: number, at: number): void {
    this.buf.writeUInt32BE(Math.floor(v / 2 ** 32), at);
    this.buf.writeUInt32BE(v >>> 0, at + 4);
  }

  /** A signed safe integer as i64 (two's complement across the two words). */
  i64(x: number): this {
    const v = Math.round(x);
    const hi = Math.floor(v / 2 ** 32);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(v - hi * 2 ** 32, this.pos + 4);
    this.pos += 8;
    return this;
  }

  u8(x: number): this {
    this.buf[this.pos++] = x;
    return this;
  }

  done(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

export function createSyntheticConnector(ctx: ConnectorContext): Connector {
  return new SyntheticConnector(ctx);
}
