/**
 * Raw record → drafts for the influencer-ingester connector, a pure function of the bytes.
 * Records are `{"kind":"fill"|"signal","record":<exact text the ingester published>}`:
 *   fill   → INFLUENCER_FILL_V1: the RawEvent's payload is a userFills fill (account detail
 *            known) or a `trades` row (the account's side from `users`; a self-trade's two
 *            raw events are told apart by the ingester's own event id). native id = that id.
 *   signal → INFLUENCER_SIGNAL_V1 from the signal contract JSON; native id = signalId.
 * Prices and sizes off the exchange fit their scale exactly; derived values (VWAP price,
 * positions, fee, PnL, and startPosition, which the exchange sends with float noise such as
 * "-3695042.8999999999") are rounded half-even to the layout scale.
 */
import { z } from 'zod';
import { errorMessage, eventId, formatIssues } from '../../../core/index.js';
import { Fill, Trade } from '../../../protocol/index.js';
import { PX_SCALE, SZ_SCALE, toFixed } from '../../envelope/index.js';
import type { PayloadOf, PayloadType } from '../../envelope/index.js';
import type { NormalizeResult, NormalizedDraft, RawRecord } from '../contract.js';

/** The RawEvent fields this connector reads (src/core/events.ts RawEvent). */
const RawEventJson = z.looseObject({
  influencerId: z.string().min(1),
  user: z.string().regex(/^0x[0-9a-f]{40}$/),
  market: z.string().min(1),
  eventType: z.enum(['fill', 'trade']),
  eventId: z.string().regex(/^[0-9a-f]{64}$/),
  eventTime: z.number().int().nonnegative(),
  payload: z.string(),
});

const Decimal = z.string().regex(/^-?\d+(?:\.\d+)?$/);
/** The signal contract fields carried into INFLUENCER_SIGNAL_V1 (contracts/signal.v1.schema.json). */
const SignalJson = z.looseObject({
  signalId: z.string().regex(/^[0-9a-f]{64}$/),
  influencerId: z.string().min(1),
  market: z.string().min(1),
  action: z.enum(['OPEN', 'CLOSE', 'INCREASE', 'DECREASE', 'FLIP', 'RECONCILE']),
  side: z.enum(['FLAT', 'LONG', 'SHORT']),
  position: Decimal,
  deltaSize: Decimal,
  price: Decimal.nullable(),
  timestamp: z.number().int().nonnegative(),
  metadata: z.looseObject({ fillCount: z.number().int().nonnegative() }),
});

const Envelope = z.object({ kind: z.enum(['fill', 'signal']), record: z.unknown() }).strict();

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Names the payload type at the literal, so the compiler checks it field for field. */
function payload<T extends PayloadType>(_type: T, value: PayloadOf<T>): PayloadOf<T> {
  return value;
}

const invalid = (what: string, e: z.ZodError): NormalizeResult => ({
  ok: false,
  reason: 'SCHEMA_INVALID',
  detail: `${what}: ${formatIssues(e).slice(0, 3).join('; ')}`,
});

function fill(record: unknown): NormalizeResult {
  const ev = RawEventJson.safeParse(record);
  if (!ev.success) return invalid('raw event', ev.error);
  const e = ev.data;
  let body: unknown;
  try {
    body = JSON.parse(e.payload);
  } catch (err) {
    return {
      ok: false,
      reason: 'PARSE_ERROR',
      detail: `raw event payload is not JSON: ${errorMessage(err)}`,
    };
  }
  let value: PayloadOf<'INFLUENCER_FILL_V1'>;
  let time: number;
  if (e.eventType === 'fill') {
    const f = Fill.safeParse(body);
    if (!f.success) return invalid('fill', f.error);
    const x = f.data;
    time = x.time;
    value = {
      user: e.user,
      px: toFixed(x.px, PX_SCALE),
      sz: toFixed(x.sz, SZ_SCALE),
      side: x.side === 'B' ? 'BUY' : 'SELL',
      tradeId: BigInt(x.tid ?? 0),
      orderId: BigInt(x.oid ?? 0),
      hasAccountDetail: x.startPosition !== undefined,
      startPosition: toFixed(x.startPosition ?? '0', SZ_SCALE, 'half-even'),
      fee: toFixed(x.fee, PX_SCALE, 'half-even'),
      closedPnl: toFixed(x.closedPnl ?? '0', PX_SCALE, 'half-even'),
    };
  } else {
    const t = Trade.safeParse(body);
    if (!t.success) return invalid('trade', t.error);
    const x = t.data;
    time = x.time;
    const [buyer, seller] = x.users;
    let side: 'B' | 'A';
    if (buyer !== seller) {
      if (e.user !== buyer && e.user !== seller)
        return { ok: false, reason: 'SCHEMA_INVALID', detail: `trade ${x.tid} does not involve ${e.user}` };
      side = e.user === buyer ? 'B' : 'A';
    } else {
      // A self-trade: the ingester raised one event per side; its id says which this is.
      const idOf = (s: 'B' | 'A'): string =>
        eventId({ user: e.user, coin: x.coin, side: s, tid: x.tid, time: x.time, px: x.px, sz: x.sz });
      side = idOf('B') === e.eventId ? 'B' : 'A';
    }
    value = {
      user: e.user,
      px: toFixed(x.px, PX_SCALE),
      sz: toFixed(x.sz, SZ_SCALE),
      side: side === 'B' ? 'BUY' : 'SELL',
      tradeId: BigInt(x.tid),
      orderId: 0n,
      hasAccountDetail: false,
      startPosition: 0n,
      fee: 0n,
      closedPnl: 0n,
    };
  }
  const draft: NormalizedDraft = {
    payloadType: 'INFLUENCER_FILL_V1',
    nativeMarket: e.market,
    eventTimeMs: time,
    nativeId: e.eventId,
    payload: value,
  };
  return { ok: true, drafts: [draft] };
}

function signal(record: unknown): NormalizeResult {
  const r = SignalJson.safeParse(record);
  if (!r.success) return invalid('signal', r.error);
  const s = r.data;
  const draft: NormalizedDraft = {
    payloadType: 'INFLUENCER_SIGNAL_V1',
    nativeMarket: s.market,
    eventTimeMs: s.timestamp,
    nativeId: s.signalId,
    payload: payload('INFLUENCER_SIGNAL_V1', {
      signalId: s.signalId,
      influencerId: s.influencerId,
      action: s.action,
      side: s.side,
      position: toFixed(s.position, SZ_SCALE, 'half-even'),
      deltaSize: toFixed(s.deltaSize, SZ_SCALE, 'half-even'),
      hasPrice: s.price !== null,
      price: s.price === null ? 0n : toFixed(s.price, PX_SCALE, 'half-even'),
      fillCount: s.metadata.fillCount,
    }),
  };
  return { ok: true, drafts: [draft] };
}

export function normalizeIngesterRecord(raw: RawRecord): NormalizeResult {
  let json: unknown;
  try {
    json = JSON.parse(utf8.decode(raw.bytes));
  } catch (e) {
    return { ok: false, reason: 'PARSE_ERROR', detail: `not UTF-8 JSON: ${errorMessage(e)}` };
  }
  const env = Envelope.safeParse(json);
  if (!env.success)
    return {
      ok: false,
      reason: 'UNSUPPORTED_RECORD',
      detail: `expected {"kind":"fill"|"signal","record":…}: ${formatIssues(env.error).join('; ')}`,
    };
  try {
    return env.data.kind === 'fill' ? fill(env.data.record) : signal(env.data.record);
  } catch (e) {
    // toFixed: an exchange value with more decimals than its scale, or beyond i64.
    return { ok: false, reason: 'SCHEMA_INVALID', detail: errorMessage(e) };
  }
}

/** The raw record for one feed record: the ingester's text embedded verbatim. */
export function ingesterRecordBytes(kind: 'fill' | 'signal', text: string): Uint8Array {
  return new TextEncoder().encode(`{"kind":"${kind}","record":${text}}`);
}
