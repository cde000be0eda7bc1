/**
 * The fixture connector (M0 §14): replays `fixtures/events/*.jsonl` line by line, in file-name
 * then line order, in constant memory. Each line is one raw record (its bytes are what
 * quarantine keeps); its recorded `receivedAt` becomes ingest_time_ms, so replaying the same
 * files always yields byte-identical envelopes and ids.
 */
import { connectorOptions } from './options.js';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { ConfigError, errorMessage, ValidationError } from '../../core/index.js';
import { PX_SCALE, RATE_SCALE, SZ_SCALE, toFixed } from '../envelope/index.js';
import type {
  Connector,
  ConnectorContext,
  ConnectorHealth,
  NormalizedDraft,
  NormalizeResult,
  RawRecord,
  RawSink,
} from './contract.js';
import { FixtureLine } from './fixture-records.js';

export const FixtureOptions = z
  .object({
    paths: z
      .array(z.string().min(1))
      .min(1)
      .describe('Files or directories (all *.jsonl, by name), relative to the connector folder.'),
  })
  .strict();

export class FixtureConnector implements Connector {
  readonly id: string;
  readonly version: string;
  readonly capabilities;
  readonly files: readonly string[];
  private state: ConnectorHealth = { state: 'starting', lastRecordAtMs: null, errors: 0 };

  constructor(ctx: ConnectorContext) {
    const options = connectorOptions(FixtureOptions, ctx);
    this.id = ctx.manifest.name;
    this.version = ctx.manifest.version;
    this.files = options.paths.flatMap((p) => expand(resolve(ctx.dir, p)));
    this.capabilities = {
      streaming: true,
      polling: false,
      expectedLatencyMs: 0,
      rateLimits: {},
      domains: [...new Set(ctx.manifest.markets.map((m) => m.domain))],
      markets: ctx.manifest.markets.map((m) => m.native),
    };
  }

  health(): ConnectorHealth {
    return this.state;
  }

  async subscribe(sink: RawSink, signal: AbortSignal): Promise<void> {
    this.state = { state: 'healthy', lastRecordAtMs: null, errors: 0 };
    let lastReceived = 0;
    for (const file of this.files) {
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      let n = 0;
      for await (const line of lines) {
        n++;
        if (signal.aborted) break;
        if (line.trim() === '') continue;
        lastReceived = receivedAtOf(line) ?? lastReceived;
        const p = sink.push({
          bytes: Buffer.from(line, 'utf8'),
          receivedAtMs: lastReceived,
          sourceUri: `fixture:${basename(file)}:${n}`,
        });
        if (p !== undefined) await p;
        this.state = { ...this.state, lastRecordAtMs: lastReceived };
      }
      lines.close();
      if (signal.aborted) break;
    }
    this.state = { ...this.state, state: 'stopped' };
  }

  normalize(raw: RawRecord): NormalizeResult {
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(raw.bytes).toString('utf8'));
    } catch (e) {
      return { ok: false, reason: 'PARSE_ERROR', detail: `not JSON: ${errorMessage(e)}` };
    }
    const kind = (json as { kind?: unknown } | null)?.kind;
    if (
      typeof kind === 'string' &&
      !['trade', 'candle', 'bbo', 'assetCtx', 'fill', 'signal'].includes(kind)
    ) {
      return { ok: false, reason: 'UNSUPPORTED_RECORD', detail: `unknown kind "${kind}"` };
    }
    const r = FixtureLine.safeParse(json);
    if (!r.success) {
      return {
        ok: false,
        reason: 'SCHEMA_INVALID',
        detail: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
      };
    }
    try {
      return { ok: true, drafts: [toDraft(r.data)] };
    } catch (e) {
      if (e instanceof ValidationError) return { ok: false, reason: 'SCHEMA_INVALID', detail: e.message };
      throw e;
    }
  }
}

const px = (s: string): bigint => toFixed(s, PX_SCALE);
const sz = (s: string): bigint => toFixed(s, SZ_SCALE);

function toDraft(l: FixtureLine): NormalizedDraft {
  const common = { nativeMarket: l.market, eventTimeMs: l.time };
  switch (l.kind) {
    case 'trade':
      return {
        ...common,
        nativeId: String(l.tid),
        payloadType: 'TRADE_TICK_V1',
        payload: {
          px: px(l.px),
          sz: sz(l.sz),
          side: l.side === 'B' ? 'BUY' : 'SELL',
          tradeId: BigInt(l.tid),
        },
      };
    case 'candle':
      return {
        ...common,
        nativeId: `${l.intervalMs}|${l.t}`,
        payloadType: 'CANDLE_V1',
        payload: {
          intervalMs: l.intervalMs,
          openTimeMs: BigInt(l.t),
          closeTimeMs: BigInt(l.T),
          open: px(l.o),
          high: px(l.h),
          low: px(l.l),
          close: px(l.c),
          volume: sz(l.v),
          trades: l.n,
          final: l.final,
        },
      };
    case 'bbo':
      return {
        ...common,
        payloadType: 'BOOK_TOP_V1',
        payload: {
          bidPx: px(l.bid?.[0] ?? '0'),
          bidSz: sz(l.bid?.[1] ?? '0'),
          askPx: px(l.ask?.[0] ?? '0'),
          askSz: sz(l.ask?.[1] ?? '0'),
        },
      };
    case 'assetCtx':
      return {
        ...common,
        payloadType: 'ASSET_CTX_V1',
        payload: {
          markPx: px(l.markPx),
          oraclePx: px(l.oraclePx),
          midPx: px(l.midPx ?? '0'),
          funding: toFixed(l.funding, RATE_SCALE),
          premium: toFixed(l.premium, RATE_SCALE),
          openInterest: sz(l.openInterest),
          dayNtlVlm: px(l.dayNtlVlm),
          prevDayPx: px(l.prevDayPx),
        },
      };
    case 'fill': {
      const user = l.user.toLowerCase();
      return {
        ...common,
        nativeId: `${user}|${l.tid}|${l.side}`,
        payloadType: 'INFLUENCER_FILL_V1',
        payload: {
          user,
          px: px(l.px),
          sz: sz(l.sz),
          side: l.side === 'B' ? 'BUY' : 'SELL',
          tradeId: BigInt(l.tid),
          orderId: BigInt(l.oid),
          hasAccountDetail: l.startPosition !== null,
          startPosition: sz(l.startPosition ?? '0'),
          fee: px(l.fee),
          closedPnl: px(l.closedPnl),
        },
      };
    }
    case 'signal':
      return {
        ...common,
        nativeId: l.signalId,
        payloadType: 'INFLUENCER_SIGNAL_V1',
        payload: {
          signalId: l.signalId,
          influencerId: l.influencerId,
          action: l.action,
          side: l.side,
          position: sz(l.position),
          deltaSize: sz(l.deltaSize),
          hasPrice: l.price !== null,
          price: l.price === null ? 0n : toFixed(l.price, PX_SCALE, 'half-even'),
          fillCount: l.fillCount,
        },
      };
  }
}

function receivedAtOf(line: string): number | undefined {
  try {
    const j = JSON.parse(line) as { receivedAt?: unknown; time?: unknown } | null;
    const v = j?.receivedAt ?? j?.time;
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

function expand(p: string): string[] {
  if (!existsSync(p)) throw new ConfigError('CONFIG_NOT_FOUND', `fixture path not found: ${p}`);
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => join(p, f));
}

export function createFixtureConnector(ctx: ConnectorContext): Connector {
  return new FixtureConnector(ctx);
}
