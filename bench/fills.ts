/**
 * The synthetic fill the hot-path benches (fan-in, positions) feed: a live user-stream fill
 * with its event id computed as a listener would, and the rest of FillEvent fixed. One place,
 * so both benches measure the same object shape (shape matters to V8's inline caches).
 */
import { decStr, eventId } from '../src/core/index.js';
import type { Address, Decimal, FillEvent } from '../src/core/index.js';

export interface BenchFill {
  readonly user: Address;
  readonly coin: string;
  readonly side: 'B' | 'A';
  readonly tid: number;
  readonly oid: number;
  readonly time: number;
  readonly px: Decimal;
  readonly sz: Decimal;
  readonly startPosition: Decimal;
  readonly listenerId: string;
}

export function benchFill(f: BenchFill): FillEvent {
  const { user, coin, side, tid, time, px, sz } = f;
  return {
    eventId: eventId({ user, coin, side, tid, time, px: decStr(px), sz: decStr(sz) }),
    user,
    coin,
    side,
    px,
    sz,
    time,
    startPosition: f.startPosition,
    dir: null,
    tid,
    oid: f.oid,
    hash: null,
    crossed: true,
    fee: '0',
    closedPnl: '0',
    liquidation: null,
    twapId: null,
    source: { listenerId: f.listenerId, listenerKind: 'user-stream', delivery: 'live', receivedAt: time },
  };
}
