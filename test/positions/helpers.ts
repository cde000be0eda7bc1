// Test helpers for the positions stage: a fill factory (ids via the real eventId) and an engine
// built on the kit's manual clock, whose timers fire only when the test advances time.
import { dec, decStr, eventId, normalizeAddress } from '../../src/core/index.js';
import type { DeliveryKind, FillEvent } from '../../src/core/index.js';
import type { Signal } from '../../src/positions/index.js';
import { PositionEngine } from '../../src/positions/index.js';
import type { PositionEngineOptions } from '../../src/positions/index.js';
import { ManualClock } from '../kit/index.js';

export const USER = normalizeAddress('0x' + 'ab'.repeat(20));
export const OTHER = normalizeAddress('0x' + 'cd'.repeat(20));

export interface FillSpec {
  coin?: string;
  side: 'B' | 'A';
  sz: string;
  px?: string;
  time: number;
  start?: string | null;
  tid?: number | null;
  oid?: number | null;
  dir?: string | null;
  hash?: string | null;
  liquidation?: FillEvent['liquidation'];
  twapId?: number | null;
  delivery?: DeliveryKind;
  listenerId?: string;
  receivedAt?: number;
}

let tidSeq = 1000;

export function fill(s: FillSpec): FillEvent {
  const coin = s.coin ?? 'BTC';
  const px = dec(s.px ?? '100');
  const sz = dec(s.sz);
  const tid = s.tid === undefined ? ++tidSeq : s.tid;
  const oid = s.oid === undefined ? 1 : s.oid;
  return {
    eventId: eventId({
      user: USER,
      coin,
      side: s.side,
      tid,
      oid,
      time: s.time,
      px: decStr(px),
      sz: decStr(sz),
    }),
    user: USER,
    coin,
    side: s.side,
    px,
    sz,
    time: s.time,
    startPosition: s.start === null ? null : dec(s.start ?? '0'),
    dir: s.dir ?? null,
    tid,
    oid,
    hash: s.hash ?? null,
    crossed: true,
    fee: '0',
    closedPnl: '0',
    liquidation: s.liquidation ?? null,
    twapId: s.twapId ?? null,
    source: {
      listenerId: s.listenerId ?? 'inf-1/primary',
      listenerKind: s.start === null ? 'market-stream' : 'user-stream',
      delivery: s.delivery ?? 'live',
      receivedAt: s.receivedAt ?? s.time,
    },
  };
}

/** An engine with no ports (seeds from first fills) collecting its signals; a 300 ms settle unless told. */
export function engineWith(opts: Partial<PositionEngineOptions> = {}): {
  engine: PositionEngine;
  signals: Signal[];
  clock: ManualClock;
  counts: Record<string, number>;
} {
  const clock = (opts.clock as ManualClock | undefined) ?? new ManualClock(1_000_000);
  const engine = new PositionEngine({ clock, settleMs: 300, ...opts });
  const signals: Signal[] = [];
  const counts: Record<string, number> = {};
  engine.events.on('signal', (s) => signals.push(s));
  for (const k of [
    'selfTrade',
    'netZeroBlock',
    'dirMismatch',
    'unknownDir',
    'absorbed',
    'gap',
    'reconcile',
    'suppressed',
    'error',
    'backfill',
    'transition',
  ] as const)
    engine.events.on(k, () => (counts[k] = (counts[k] ?? 0) + 1));
  return { engine, signals, clock, counts };
}
