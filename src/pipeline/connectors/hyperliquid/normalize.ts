/**
 * Raw record → drafts for the Hyperliquid market-data connector, a pure function of the
 * record's bytes and receipt time (replaying recorded input gives identical envelopes):
 *   trades              → TRADE_TICK_V1 per trade (native id coin:time:tid)
 *   closed candle       → CANDLE_V1 final, event time = close time (native id coin:interval:open)
 *   candle (forming)    → CANDLE_V1 not final, event time = receipt (only with `forming`)
 *   bbo                 → BOOK_TOP_V1; an empty side is 0/0 and flags PARTIAL_COVERAGE
 *   activeAssetCtx      → ASSET_CTX_V1, event time = receipt (the frame carries no time)
 *   activeSpotAssetCtx  → nothing (ASSET_CTX_V1 is a perp context)
 * Prices and sizes must fit their fixed-point scale exactly (a wire value with more digits is
 * rejected with the field named); 24 h notional volume is rounded half-even (a derived sum).
 */
import type { z } from 'zod';
import { errorMessage, formatIssues } from '../../../core/index.js';
import { ActiveAssetCtxFrame, BboFrame, Candle, CandleFrame, TradesFrame } from '../../../protocol/index.js';
import type { BookLevel } from '../../../protocol/index.js';
import { PX_SCALE, QUALITY_FLAGS, RATE_SCALE, SZ_SCALE, toFixed } from '../../envelope/index.js';
import type { PayloadOf, PayloadType } from '../../envelope/index.js';
import type { NormalizeResult, NormalizedDraft, RawRecord } from '../contract.js';
import { CANDLE_CLOSED } from './records.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

type Drafts = NormalizedDraft[];

/** Names the payload type at the literal, so the compiler checks it field for field. */
function payload<T extends PayloadType>(_type: T, value: PayloadOf<T>): PayloadOf<T> {
  return value;
}

function candleDraft(c: Candle, final: boolean, receivedAtMs: number): NormalizedDraft {
  return {
    payloadType: 'CANDLE_V1',
    nativeMarket: c.s,
    eventTimeMs: final ? c.T : receivedAtMs,
    nativeId: `candle:${c.s}:${c.i}:${c.t}`,
    payload: payload('CANDLE_V1', {
      intervalMs: c.T - c.t + 1,
      openTimeMs: BigInt(c.t),
      closeTimeMs: BigInt(c.T),
      open: toFixed(c.o, PX_SCALE),
      high: toFixed(c.h, PX_SCALE),
      low: toFixed(c.l, PX_SCALE),
      close: toFixed(c.c, PX_SCALE),
      volume: toFixed(c.v, SZ_SCALE),
      trades: c.n,
      final,
    }),
  };
}

function level(l: BookLevel | null): { px: bigint; sz: bigint } {
  return l ? { px: toFixed(l.px, PX_SCALE), sz: toFixed(l.sz, SZ_SCALE) } : { px: 0n, sz: 0n };
}

function fromFrame(json: Record<string, unknown>, raw: RawRecord, forming: boolean): NormalizeResult {
  const channel = json['channel'];
  const invalid = (error: z.ZodError): NormalizeResult => ({
    ok: false,
    reason: 'SCHEMA_INVALID',
    detail: `${String(channel)}: ${formatIssues(error).slice(0, 3).join('; ')}`,
  });
  switch (channel) {
    case 'trades': {
      const r = TradesFrame.safeParse(json);
      if (!r.success) return invalid(r.error);
      const drafts: Drafts = r.data.data.map((t) => ({
        payloadType: 'TRADE_TICK_V1',
        nativeMarket: t.coin,
        eventTimeMs: t.time,
        nativeId: `trade:${t.coin}:${t.time}:${t.tid}`,
        payload: payload('TRADE_TICK_V1', {
          px: toFixed(t.px, PX_SCALE),
          sz: toFixed(t.sz, SZ_SCALE),
          side: t.side === 'B' ? 'BUY' : 'SELL',
          tradeId: BigInt(t.tid),
        }),
      }));
      return { ok: true, drafts };
    }
    case 'candle': {
      if (!forming) return { ok: true, drafts: [] };
      const r = CandleFrame.safeParse(json);
      if (!r.success) return invalid(r.error);
      return { ok: true, drafts: r.data.data.map((c) => candleDraft(c, false, raw.receivedAtMs)) };
    }
    case 'bbo': {
      const r = BboFrame.safeParse(json);
      if (!r.success) return invalid(r.error);
      const { coin, time, bbo } = r.data.data;
      const bid = level(bbo[0]);
      const ask = level(bbo[1]);
      const draft: NormalizedDraft = {
        payloadType: 'BOOK_TOP_V1',
        nativeMarket: coin,
        eventTimeMs: time,
        payload: payload('BOOK_TOP_V1', { bidPx: bid.px, bidSz: bid.sz, askPx: ask.px, askSz: ask.sz }),
        ...(bbo[0] && bbo[1] ? {} : { flags: QUALITY_FLAGS.PARTIAL_COVERAGE }),
      };
      return { ok: true, drafts: [draft] };
    }
    case 'activeAssetCtx': {
      const r = ActiveAssetCtxFrame.safeParse(json);
      if (!r.success) return invalid(r.error);
      const { coin, ctx } = r.data.data;
      const draft: NormalizedDraft = {
        payloadType: 'ASSET_CTX_V1',
        nativeMarket: coin,
        eventTimeMs: raw.receivedAtMs,
        payload: payload('ASSET_CTX_V1', {
          markPx: toFixed(ctx.markPx, PX_SCALE),
          oraclePx: toFixed(ctx.oraclePx, PX_SCALE),
          midPx: ctx.midPx ? toFixed(ctx.midPx, PX_SCALE) : 0n,
          funding: toFixed(ctx.funding, RATE_SCALE),
          premium: ctx.premium ? toFixed(ctx.premium, RATE_SCALE) : 0n,
          openInterest: toFixed(ctx.openInterest, SZ_SCALE),
          dayNtlVlm: toFixed(ctx.dayNtlVlm, PX_SCALE, 'half-even'),
          prevDayPx: toFixed(ctx.prevDayPx, PX_SCALE),
        }),
      };
      return { ok: true, drafts: [draft] };
    }
    case 'activeSpotAssetCtx':
      return { ok: true, drafts: [] };
    default:
      return {
        ok: false,
        reason: 'UNSUPPORTED_RECORD',
        detail: `channel ${JSON.stringify(channel)} is not a market-data feed of this connector`,
      };
  }
}

export function normalizeHlMarket(raw: RawRecord, opts: { readonly forming: boolean }): NormalizeResult {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(raw.bytes));
  } catch (e) {
    return { ok: false, reason: 'PARSE_ERROR', detail: `not UTF-8 JSON: ${errorMessage(e)}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, reason: 'PARSE_ERROR', detail: 'expected a JSON object' };
  const obj = json as Record<string, unknown>;
  try {
    if (obj['kind'] === CANDLE_CLOSED) {
      const r = Candle.safeParse(obj['candle']);
      if (!r.success)
        return {
          ok: false,
          reason: 'SCHEMA_INVALID',
          detail: `closed candle: ${formatIssues(r.error).slice(0, 3).join('; ')}`,
        };
      return { ok: true, drafts: [candleDraft(r.data, true, raw.receivedAtMs)] };
    }
    if (typeof obj['channel'] === 'string') return fromFrame(obj, raw, opts.forming);
  } catch (e) {
    // toFixed: a value with more decimals than its layout scale, or beyond i64.
    return { ok: false, reason: 'SCHEMA_INVALID', detail: errorMessage(e) };
  }
  return {
    ok: false,
    reason: 'UNSUPPORTED_RECORD',
    detail: 'neither a WebSocket frame (channel) nor a closed candle (kind)',
  };
}
