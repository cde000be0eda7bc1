/**
 * Re-derive signals from stored raw events (NDJSON today, ClickHouse later through the same
 * RawEventSource port). Deterministic by construction: events are deduped by id and sorted by
 * (block time, influencer, market) before the engine sees them, no timers run (blocks close
 * on the next block or at the end), and emittedAt is the replay's own event clock, so the
 * same input reproduces the same signals byte for byte.
 */
import type { Clock, FillEvent, MarketClass, TimerHandle } from '../../core/index.js';
import { errorMessage } from '../../core/index.js';
import { PositionEngine } from '../engine.js';
import type { PositionEngineEvents } from '../events.js';
import type { RawEventSource } from '../ports.js';
import type { Signal, SignalMode } from '../signal.js';
import { fillFromRawEvent } from './normalize.js';

export interface ReplayOptions {
  readonly mode?: SignalMode;
  readonly signalClasses?: readonly MarketClass[];
  readonly onSignal: (signal: Signal) => void | Promise<void>;
  /** Called for each raw event that could not be normalized (the replay continues). */
  readonly onInvalid?: (eventId: string, reason: string) => void;
  /** Engine events, for counters. */
  readonly onEvent?: <K extends keyof PositionEngineEvents>(
    event: K,
    payload: PositionEngineEvents[K],
  ) => void;
}

export interface ReplayStats {
  readonly rawEvents: number;
  readonly fills: number;
  readonly duplicates: number;
  readonly skipped: number;
  readonly invalid: number;
  readonly signals: number;
}

/** A clock that stands still at the time of the event being replayed. */
class EventClock implements Clock {
  time = 0;
  now(): number {
    return this.time;
  }
  setTimeout(): TimerHandle {
    return { cancel: () => undefined };
  }
  setInterval(): TimerHandle {
    return { cancel: () => undefined };
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
}

export async function replay(source: RawEventSource, opts: ReplayOptions): Promise<ReplayStats> {
  const byId = new Map<string, { influencerId: string; fill: FillEvent }>();
  let rawEvents = 0;
  let duplicates = 0;
  let skipped = 0;
  let invalid = 0;
  for await (const raw of source) {
    rawEvents++;
    if (raw.eventType !== 'fill') {
      skipped++;
      continue;
    }
    let fill: FillEvent;
    try {
      fill = fillFromRawEvent(raw);
    } catch (e) {
      invalid++;
      opts.onInvalid?.(raw.eventId, errorMessage(e));
      continue;
    }
    const key = `${raw.influencerId}|${fill.eventId}`;
    if (byId.has(key)) {
      duplicates++;
      continue;
    }
    byId.set(key, { influencerId: raw.influencerId, fill });
  }
  const ordered = [...byId.values()].sort(
    (a, b) =>
      a.fill.time - b.fill.time ||
      cmp(a.influencerId, b.influencerId) ||
      cmp(a.fill.coin, b.fill.coin) ||
      cmp(a.fill.eventId, b.fill.eventId),
  );
  const clock = new EventClock();
  const engine = new PositionEngine({
    clock,
    mode: opts.mode,
    signalClasses: opts.signalClasses,
    settleMs: 0,
  });
  const signals: Signal[] = [];
  engine.events.on('signal', (s) => signals.push(s));
  if (opts.onEvent) {
    const forward = opts.onEvent;
    for (const k of ['gap', 'reconcile', 'selfTrade', 'dirMismatch', 'unknownDir', 'error'] as const)
      engine.events.on(k, (p) => forward(k, p));
  }
  const admitted = new Set<string>();
  for (const { influencerId, fill } of ordered) {
    if (!admitted.has(influencerId)) {
      admitted.add(influencerId);
      await engine.admit(influencerId, fill.user);
    }
    clock.time = fill.time;
    engine.ingest(influencerId, fill);
    if (engine.repairing) await engine.idle();
  }
  engine.flush();
  await engine.close();
  // Blocks of different markets close at different moments; print in block-time order (the
  // sort is stable, so each (influencer, market) keeps its own order).
  signals.sort((a, b) => a.timestamp - b.timestamp);
  for (const s of signals) await opts.onSignal(s);
  return { rawEvents, fills: ordered.length, duplicates, skipped, invalid, signals: signals.length };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
