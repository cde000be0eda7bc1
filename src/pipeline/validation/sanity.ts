/**
 * Source sanity (M0 §7): relations every record of a payload type must satisfy. A violation
 * names the relation and quarantines the event; a missing book side is not wrong, it is
 * PARTIAL_COVERAGE.
 */
import { QUALITY_FLAGS } from '../envelope/index.js';
import type { NormalizedDraft } from '../connectors/index.js';

export interface SanityResult {
  /** Why the record is impossible; undefined when it is sane. */
  readonly problem?: string;
  readonly flags: number;
}

const OK: SanityResult = { flags: 0 };
const bad = (problem: string): SanityResult => ({ problem, flags: 0 });

export function checkSanity(d: NormalizedDraft): SanityResult {
  switch (d.payloadType) {
    case 'TRADE_TICK_V1':
      if (d.payload.px <= 0n) return bad('px must be > 0');
      if (d.payload.sz <= 0n) return bad('sz must be > 0');
      return OK;
    case 'CANDLE_V1': {
      const c = d.payload;
      if (c.intervalMs <= 0) return bad('intervalMs must be > 0');
      if (c.closeTimeMs < c.openTimeMs) return bad('closeTimeMs < openTimeMs');
      if (c.low <= 0n) return bad('low must be > 0');
      if (c.high < c.low) return bad('high < low');
      if (c.open > c.high || c.open < c.low) return bad('open outside [low, high]');
      if (c.close > c.high || c.close < c.low) return bad('close outside [low, high]');
      if (c.volume < 0n) return bad('volume < 0');
      return OK;
    }
    case 'BOOK_TOP_V1': {
      const b = d.payload;
      const bid = sideState(b.bidPx, b.bidSz);
      const ask = sideState(b.askPx, b.askSz);
      if (bid === 'bad') return bad('bid must have px > 0 and sz > 0 (or both 0 when absent)');
      if (ask === 'bad') return bad('ask must have px > 0 and sz > 0 (or both 0 when absent)');
      if (bid === 'present' && ask === 'present' && b.bidPx > b.askPx) return bad('bid > ask');
      return bid === 'absent' || ask === 'absent' ? { flags: QUALITY_FLAGS.PARTIAL_COVERAGE } : OK;
    }
    case 'ASSET_CTX_V1': {
      const a = d.payload;
      if (a.markPx <= 0n) return bad('markPx must be > 0');
      if (a.oraclePx <= 0n) return bad('oraclePx must be > 0');
      if (a.midPx < 0n || a.openInterest < 0n || a.dayNtlVlm < 0n || a.prevDayPx < 0n) {
        return bad('midPx, openInterest, dayNtlVlm and prevDayPx must be >= 0');
      }
      return OK;
    }
    case 'EVM_BLOCK_V1':
    case 'EVM_LOG_V1':
    case 'EVM_BLOCK_INVALIDATED_V1':
      return OK; // hashes and heights are checked by the follower's chain walk, not here
    case 'INFLUENCER_FILL_V1':
      if (d.payload.px <= 0n) return bad('px must be > 0');
      if (d.payload.sz <= 0n) return bad('sz must be > 0');
      return OK;
    case 'INFLUENCER_SIGNAL_V1': {
      const s = d.payload;
      const side = s.position === 0n ? 'FLAT' : s.position > 0n ? 'LONG' : 'SHORT';
      if (side !== s.side) return bad(`side ${s.side} does not match position ${s.position}`);
      if (s.hasPrice ? s.price <= 0n : s.price !== 0n) return bad('price must be > 0 when hasPrice, else 0');
      return OK;
    }
  }
}

function sideState(px: bigint, sz: bigint): 'present' | 'absent' | 'bad' {
  if (px === 0n && sz === 0n) return 'absent';
  return px > 0n && sz > 0n ? 'present' : 'bad';
}

/** The price that outlier and divergence checks follow for a payload, or undefined. */
export function referencePrice(d: NormalizedDraft): number | undefined {
  switch (d.payloadType) {
    case 'TRADE_TICK_V1':
    case 'INFLUENCER_FILL_V1':
      return Number(d.payload.px);
    case 'CANDLE_V1':
      return Number(d.payload.close);
    case 'BOOK_TOP_V1':
      return d.payload.bidPx > 0n && d.payload.askPx > 0n
        ? (Number(d.payload.bidPx) + Number(d.payload.askPx)) / 2
        : undefined;
    case 'ASSET_CTX_V1':
      return Number(d.payload.markPx);
    case 'INFLUENCER_SIGNAL_V1':
      return undefined;
  }
}
