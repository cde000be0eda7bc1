/**
 * Minimal normalizer for replay: a stored RawEvent (eventType 'fill', payload = the raw fill
 * JSON) back into a FillEvent. It reads only the fields the state machine uses. It lives here,
 * not in the protocol layer, so replay does not depend on the live frame parser; the event id
 * stored with the raw event is reused so replayed signal ids equal the live ones.
 */
import { z } from 'zod';
import { Address, dec, decStr, eventId, isDecimalString, parseAt } from '../../core/index.js';
import type { FillEvent, RawEvent } from '../../core/index.js';

const Dec = z.string().refine(isDecimalString, 'expected a decimal string');

export const RawEventLine = z.object({
  influencerId: z.string().min(1),
  user: z.string(),
  market: z.string(),
  eventType: z.string(),
  eventId: z.string(),
  listenerId: z.string(),
  eventTime: z.number(),
  ingestTime: z.number(),
  payload: z.string(),
});
export type RawEventLine = z.infer<typeof RawEventLine>;

export const RawFillPayload = z.object({
  coin: z.string().min(1),
  px: Dec,
  sz: Dec,
  side: z.enum(['B', 'A']),
  time: z.number().int().nonnegative(),
  startPosition: Dec.nullish(),
  dir: z.string().nullish(),
  tid: z.number().int().nullish(),
  oid: z.number().int().nullish(),
  hash: z.string().nullish(),
  crossed: z.boolean().nullish(),
  fee: z.string().nullish(),
  closedPnl: z.string().nullish(),
  liquidation: z
    .object({
      liquidatedUser: z.string().nullish(),
      markPx: z.union([z.string(), z.number()]),
      method: z.string(),
    })
    .nullish(),
  twapId: z.number().int().nullish(),
});
export type RawFillPayload = z.infer<typeof RawFillPayload>;

const HEX64 = /^[0-9a-f]{64}$/;

/** Throws ValidationError naming the bad field. */
export function fillFromRawEvent(raw: RawEvent): FillEvent {
  let json: unknown;
  try {
    json = JSON.parse(raw.payload);
  } catch {
    json = undefined;
  }
  const p = parseAt(RawFillPayload, json, `fill payload of raw event ${raw.eventId}`);
  const user = parseAt(Address, raw.user, `user of raw event ${raw.eventId}`);
  const px = dec(p.px);
  const sz = dec(p.sz);
  const id = HEX64.test(raw.eventId)
    ? raw.eventId
    : eventId({
        user,
        coin: p.coin,
        side: p.side,
        tid: p.tid,
        oid: p.oid,
        time: p.time,
        px: decStr(px),
        sz: decStr(sz),
      });
  return {
    eventId: id,
    user,
    coin: p.coin,
    side: p.side,
    px,
    sz,
    time: p.time,
    startPosition: p.startPosition === null || p.startPosition === undefined ? null : dec(p.startPosition),
    dir: p.dir ?? null,
    tid: p.tid ?? null,
    oid: p.oid ?? null,
    hash: p.hash ?? null,
    crossed: p.crossed ?? null,
    fee: p.fee ?? null,
    closedPnl: p.closedPnl ?? null,
    liquidation: p.liquidation
      ? {
          liquidatedUser: p.liquidation.liquidatedUser ?? undefined,
          markPx: String(p.liquidation.markPx),
          method: p.liquidation.method,
        }
      : null,
    twapId: p.twapId ?? null,
    source: {
      listenerId: raw.listenerId,
      listenerKind: 'user-stream',
      delivery: 'replay',
      receivedAt: raw.ingestTime,
    },
  };
}
