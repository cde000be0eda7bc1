/**
 * User-stream frames of one connection (docs/hyperliquid-protocol.md §2.1–§2.2, §2.5): `userFills`
 * frames carry `data.user`, so several users share a socket and each frame is routed by the
 * lower-cased user to the listeners on this connection. Every fill becomes one FillEvent per
 * listener (source = that listener, delivery 'snapshot' when `isSnapshot === true`, else
 * 'live') plus one RawEvent. Each fill is first judged by the shared FillGuard, and a bad one
 * is dead-lettered on its own (its frame's good fills go on). Snapshots go through the
 * backfill gate's gap check, then the same dedup as live fills. Position-feed frames are handed on for reconciliation.
 */
import type { DeadLetter, EventSource, FillEvent, RawEvent } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import type { ClearinghouseState, ConnectionEvents, Fill, FillGuard } from '../protocol/index.js';
import {
  DEFAULT_MAX_DEAD_LETTER_PAYLOAD,
  fillToEvent,
  safePayload,
  truncatePayload,
} from '../protocol/index.js';
import type { BackfillGate } from './backfill.js';
import type { ListenerRef } from './directory.js';

export interface UserStreamContext {
  readonly gate: BackfillGate;
  /** The boundary validator shared with the trades fast path and REST backfill. */
  readonly guard: FillGuard;
  readonly onRawEvent: ((e: RawEvent) => void) | undefined;
  readonly onDeadLetter: ((d: DeadLetter) => void) | undefined;
  readonly onPositions: (e: {
    user: string;
    listeners: readonly ListenerRef[];
    receivedAt: number;
    states: (readonly [string, ClearinghouseState])[];
  }) => void;
  readonly now: () => number;
  /**
   * A frame's fills as judged and normalised the first time, by frame object. With the
   * process's FrameMemo the primary's and secondary's copies of a frame are one object, so the
   * second listener reuses the work and builds only its own events (its source). Owned by the
   * listener manager, next to the guard.
   */
  readonly prepared?: PreparedFrames;
}

type Frame = ConnectionEvents['frame'];

interface PreparedFill {
  readonly fill: Fill;
  readonly payload: string;
  /** The first listener's event for this fill, once made: the others differ only in `source`. */
  event: FillEvent | null;
}

/**
 * Only a frame whose every fill passed is kept (a refused fill is dead-lettered per copy, as
 * before), and only while the guard's coin universe is the one it was judged against. The time
 * check needs no such care: a time accepted earlier is still accepted later.
 */
export type PreparedFrames = WeakMap<object, { readonly universe: number; readonly fills: PreparedFill[] }>;

/**
 * A position snapshot is as-of its `time`, and reconciling to it moves the streams to that
 * time: one stamped in the future would make every real fill after it look stale. Such a
 * frame is dead-lettered whole (a snapshot is one unit). True when it was.
 */
function futureSnapshot(
  times: readonly number[],
  frame: Frame['frame'],
  user: string,
  listeners: readonly ListenerRef[],
  receivedAt: number,
  ctx: UserStreamContext,
): boolean {
  for (const t of times) {
    const bad = ctx.guard.checkTime(t);
    if (!bad) continue;
    ctx.onDeadLetter?.(
      fillDeadLetter(
        { ...bad, detail: `${frame.channel}: ${bad.detail}`, payload: safePayload(frame) },
        user,
        listeners,
        receivedAt,
        frame.channel,
      ),
    );
    return true;
  }
  return false;
}

function fillDeadLetter(
  r: { readonly reason: DeadLetter['reason']; readonly detail: string; readonly payload: string },
  user: string,
  listeners: readonly ListenerRef[],
  receivedAt: number,
  channel = 'userFills',
): DeadLetter {
  return {
    reason: r.reason,
    detail: `${r.detail} (user ${user})`,
    listenerId: listeners[0]?.id ?? '',
    channel,
    receivedAt,
    payload: truncatePayload(r.payload, DEFAULT_MAX_DEAD_LETTER_PAYLOAD),
  };
}

/** Each fill judged once per frame (not once per listener): a bad one is dead-lettered, the rest go on. */
function judgedFills(
  raw: readonly unknown[],
  user: string,
  listeners: readonly ListenerRef[],
  receivedAt: number,
  frame: object,
  ctx: UserStreamContext,
): PreparedFill[] {
  const known = ctx.prepared?.get(frame);
  if (known !== undefined && known.universe === ctx.guard.universeVersion) return known.fills;
  const fills: PreparedFill[] = [];
  for (let i = 0; i < raw.length; i++) {
    const r = ctx.guard.fill(raw[i], `userFills.data.fills.${i}`);
    if (r.ok) fills.push({ fill: r.value, payload: r.payload, event: null });
    else ctx.onDeadLetter?.(fillDeadLetter(r, user, listeners, receivedAt));
  }
  if (fills.length === raw.length) ctx.prepared?.set(frame, { universe: ctx.guard.universeVersion, fills });
  return fills;
}

export function handleUserStreamFrame(
  f: Frame,
  listenersByUser: ReadonlyMap<string, readonly ListenerRef[]>,
  ctx: UserStreamContext,
): void {
  const frame = f.frame;
  switch (frame.channel) {
    case 'userFills': {
      const user = frame.data.user.toLowerCase();
      const listeners = listenersByUser.get(user);
      if (!listeners || listeners.length === 0) return; // a stale subscription: nobody tracks it here
      const snapshot = frame.data.isSnapshot === true;
      const fills = judgedFills(frame.data.fills, user, listeners, f.receivedAt, frame, ctx);
      for (const l of listeners) {
        const source: EventSource = {
          listenerId: l.id,
          listenerKind: 'user-stream',
          delivery: snapshot ? 'snapshot' : 'live',
          receivedAt: f.receivedAt,
        };
        const events: FillEvent[] = [];
        for (const item of fills) {
          const { fill, payload } = item;
          let e: FillEvent;
          try {
            if (item.event === null) e = item.event = fillToEvent(user, fill, source);
            else e = { ...item.event, source };
          } catch (err) {
            ctx.onDeadLetter?.({
              reason: 'normalization_failed',
              detail: `userFills fill of ${user}: ${errorMessage(err)}`,
              listenerId: l.id,
              channel: 'userFills',
              receivedAt: f.receivedAt,
              payload: truncatePayload(payload, DEFAULT_MAX_DEAD_LETTER_PAYLOAD),
            });
            continue;
          }
          events.push(e);
          if (ctx.onRawEvent) {
            ctx.onRawEvent({
              influencerId: l.influencerId,
              user,
              market: fill.coin,
              eventType: 'fill',
              eventId: e.eventId,
              listenerId: l.id,
              eventTime: fill.time,
              ingestTime: ctx.now(),
              payload,
            });
          }
        }
        if (snapshot) ctx.gate.snapshot(user, events);
        else ctx.gate.push(user, events);
      }
      return;
    }
    case 'clearinghouseState': {
      const user = frame.data.user.toLowerCase();
      const listeners = listenersByUser.get(user);
      if (!listeners?.length) return;
      if (futureSnapshot([frame.data.clearinghouseState.time], frame, user, listeners, f.receivedAt, ctx))
        return;
      ctx.onPositions({
        user,
        listeners,
        receivedAt: f.receivedAt,
        states: [[frame.data.dex, frame.data.clearinghouseState]],
      });
      return;
    }
    case 'allDexsClearinghouseState': {
      const user = frame.data.user.toLowerCase();
      const listeners = listenersByUser.get(user);
      if (!listeners?.length) return;
      const times = frame.data.clearinghouseStates.map(([, st]) => st.time);
      if (futureSnapshot(times, frame, user, listeners, f.receivedAt, ctx)) return;
      ctx.onPositions({ user, listeners, receivedAt: f.receivedAt, states: frame.data.clearinghouseStates });
      return;
    }
    default:
      return;
  }
}
