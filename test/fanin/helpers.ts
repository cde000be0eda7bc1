/** Test helpers for the fan-in: a manual clock and a FillEvent factory with real event ids. */
import type {
  Address,
  Clock,
  DeliveryKind,
  FillEvent,
  ListenerKind,
  TimerHandle,
} from '../../src/core/index.js';
import { dec, decStr, eventId } from '../../src/core/index.js';

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void; every: number | null; live: boolean }[] = [];
  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, null);
  }
  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, ms);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.setTimeout(r, ms));
  }
  /** Advances time, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers
        .filter((x) => x.live && x.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      if (due.every !== null) due.at += due.every;
      else due.live = false;
      due.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }
  private add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, every, live: true };
    this.timers.push(timer);
    return { cancel: () => (timer.live = false) };
  }
}

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
