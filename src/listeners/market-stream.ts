/**
 * Market-stream routing of one connection (docs/hyperliquid-protocol.md §13): the per-coin `trades`
 * tape of the whole market arrives here through HlWsConnection's `onRawFrame` hook, and the
 * TradesFastPath drops frames naming no tracked address before any JSON parsing. Matched
 * trades become FillEvents (tradeToEvents: the tracked account's side from `users`, no
 * startPosition) for each listener on this connection tracking that address, plus one
 * RawEvent each, and go through the backfill gate into the FanIn.
 */
import type { DeadLetter, EventSource, FillEvent, RawEvent } from '../core/index.js';
import type { FillGuard } from '../protocol/index.js';
import { TradesFastPath, tradeToEvents } from '../protocol/index.js';
import type { Clock } from '../core/index.js';
import type { BackfillGate } from './backfill.js';
import type { ListenerRef } from './directory.js';

export interface MarketStreamContext {
  readonly gate: BackfillGate;
  readonly clock: Clock;
  /** The boundary validator shared with userFills and REST backfill. */
  readonly guard: FillGuard;
  readonly onRawEvent: ((e: RawEvent) => void) | undefined;
  readonly onDeadLetter: ((d: DeadLetter) => void) | undefined;
}

export class MarketStreamRouter {
  readonly fastPath: TradesFastPath;
  private byUser: ReadonlyMap<string, readonly ListenerRef[]> = new Map();

  constructor(
    connectionId: string,
    private readonly ctx: MarketStreamContext,
  ) {
    this.fastPath = new TradesFastPath({
      listenerId: connectionId,
      clock: ctx.clock,
      guard: ctx.guard,
      ...(ctx.onDeadLetter ? { onDeadLetter: ctx.onDeadLetter } : {}),
    });
  }

  /** The market-stream listeners on this connection, by lower-case user. */
  setListeners(byUser: ReadonlyMap<string, readonly ListenerRef[]>): void {
    this.byUser = byUser;
    this.fastPath.setTracked(byUser.keys());
  }

  /** The `onRawFrame` hook: consumes every `trades` frame, passes anything else on. */
  readonly onRawFrame = (text: string, receivedAt: number): boolean => {
    if (!TradesFastPath.isTradesFrame(text)) return false;
    const r = this.fastPath.process(text);
    if (r.kind !== 'matched' || r.trades.length === 0) return true;
    const perUser = new Map<string, FillEvent[]>();
    const ingestTime = this.ctx.clock.now();
    for (const m of r.trades) {
      for (const user of m.tracked) {
        const listeners = this.byUser.get(user);
        if (!listeners) continue;
        for (const l of listeners) {
          const source: EventSource = {
            listenerId: l.id,
            listenerKind: 'market-stream',
            delivery: 'live',
            receivedAt,
          };
          const events = tradeToEvents(m.trade, user, source);
          let list = perUser.get(user);
          if (!list) perUser.set(user, (list = []));
          for (const e of events) {
            list.push(e);
            if (this.ctx.onRawEvent) {
              this.ctx.onRawEvent({
                influencerId: l.influencerId,
                user,
                market: m.trade.coin,
                eventType: 'trade',
                eventId: e.eventId,
                listenerId: l.id,
                eventTime: m.trade.time,
                ingestTime,
                payload: m.payload,
              });
            }
          }
        }
      }
    }
    for (const [user, events] of perUser) this.ctx.gate.push(user, events);
    return true;
  };
}
