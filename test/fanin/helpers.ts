/**
 * Test helpers for the fan-in: a FillEvent factory with real event ids, and a FanIn on the kit's
 * ManualClock that records what it delivers.
 */
import type { Address, DeliveryKind, FillEvent, ListenerKind } from '../../src/core/index.js';
import { dec, decStr, eventId, silentLogger } from '../../src/core/index.js';
import type { FanInBatch, FanInOptions } from '../../src/fanin/index.js';
import { FanIn, MemoryDedupStore } from '../../src/fanin/index.js';
import { ManualClock } from '../kit/index.js';

export const U1 = '0x1111111111111111111111111111111111111111' as Address;
export const U2 = '0x2222222222222222222222222222222222222222' as Address;

export interface FillSpec {
  user?: Address;
  coin?: string;
  side?: 'B' | 'A';
  tid?: number | null;
  time?: number;
  sz?: string;
  px?: string;
  start?: string | null;
  hash?: string | null;
  listenerId?: string;
  kind?: ListenerKind;
  delivery?: DeliveryKind;
  receivedAt?: number;
  dir?: string | null;
}

export function fill(s: FillSpec = {}): FillEvent {
  const user = s.user ?? U1;
  const coin = s.coin ?? 'BTC';
  const side = s.side ?? 'B';
  const tid = s.tid === undefined ? 1 : s.tid;
  const time = s.time ?? 1000;
  const px = dec(s.px ?? '100');
  const sz = dec(s.sz ?? '1');
  return {
    eventId: eventId({ user, coin, side, tid, time, px: decStr(px), sz: decStr(sz), oid: null }),
    user,
    coin,
    side,
    px,
    sz,
    time,
    startPosition:
      s.start === undefined || s.start === null ? (s.start === null ? null : dec('0')) : dec(s.start),
    dir: s.dir ?? null,
    tid,
    oid: null,
    hash: s.hash ?? null,
    crossed: null,
    fee: null,
    closedPnl: null,
    liquidation: null,
    twapId: null,
    source: {
      listenerId: s.listenerId ?? 'inf-1/primary',
      listenerKind: s.kind ?? 'user-stream',
      delivery: s.delivery ?? 'live',
      receivedAt: s.receivedAt ?? 0,
    },
  };
}

/** The same fill as delivered by another listener. */
export function copyFrom(
  f: FillEvent,
  listenerId: string,
  receivedAt = f.source.receivedAt,
  delivery: DeliveryKind = 'live',
): FillEvent {
  return { ...f, source: { ...f.source, listenerId, receivedAt, delivery } };
}

/**
 * A FanIn for U1 (inf-1) and U2 (inf-2) with an in-memory dedup store, reorder window 100 ms and
 * gap hold 250 ms unless `extra` says otherwise; `out` collects every delivered batch.
 */
export function fanInUnderTest(extra: Partial<FanInOptions> = {}) {
  const clock = new ManualClock();
  const out: FanInBatch[] = [];
  const fanin = new FanIn({
    clock,
    logger: silentLogger,
    dedup: new MemoryDedupStore({ maxEntries: 10_000, ttlMs: 60_000 }),
    resolveInfluencers: (u: Address) => (u === U1 ? ['inf-1'] : u === U2 ? ['inf-2'] : []),
    deliver: (b) => {
      out.push(b);
    },
    reorderWindowMs: 100,
    gapHoldMs: 250,
    ...extra,
  });
  return { clock, out, fanin };
}
