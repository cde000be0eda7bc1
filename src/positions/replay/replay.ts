/**
 * Re-derive signals from stored raw events (an NDJSON file or ClickHouse, through the
 * RawEventSource port). Deterministic by construction: the fills of one block time are deduped
 * by id and fed sorted by (influencer, market, event id), every block of that time is closed
 * before the next time starts (no timers run), and emittedAt is the replay's own event clock,
 * so the same input reproduces the same signals byte for byte, in block-time order.
 *
 * Memory: a source that is already in event-time order (ClickHouse's replay query; a file
 * that a first pass found sorted) is streamed, holding one block time of fills at once. Any
 * other input is read whole and sorted first; both ways give the same output.
 */
import type { Clock, FillEvent, MarketClass, TimerHandle } from '../../core/index.js';
import { ValidationError, errorMessage } from '../../core/index.js';
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
  /**
   * The source yields events in non-decreasing event time: stream it instead of reading it
   * whole. An event older than the one before it then fails the replay with a clear error.
   */
  readonly ordered?: boolean;
}

export interface ReplayStats {
  readonly rawEvents: number;
  readonly fills: number;
  readonly duplicates: number;
  readonly skipped: number;
  readonly invalid: number;
  readonly signals: number;
}

interface Item {
  readonly influencerId: string;
  readonly fill: FillEvent;
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

const byKey = (a: Item, b: Item): number =>
  cmp(a.influencerId, b.influencerId) || cmp(a.fill.coin, b.fill.coin) || cmp(a.fill.eventId, b.fill.eventId);

export async function replay(source: RawEventSource, opts: ReplayOptions): Promise<ReplayStats> {
  const counts = { rawEvents: 0, skipped: 0, invalid: 0 };
  const items = normalized(source, counts, opts.onInvalid);
  const run = new ReplayRun(opts);
  if (opts.ordered === true) {
    let group: Item[] = [];
    let last: Item | null = null;
    for await (const item of items) {
      if (last && item.fill.time < last.fill.time) {
        throw new ValidationError(
          `replay input is not in event-time order: event ${item.fill.eventId} at ${item.fill.time} comes after ${last.fill.eventId} at ${last.fill.time}`,
          [],
        );
      }
      if (last && item.fill.time !== last.fill.time) {
        await run.block(group);
        group = [];
      }
      group.push(item);
      last = item;
    }
    await run.block(group);
  } else {
    const all: Item[] = [];
    for await (const item of items) all.push(item);
    // By time only: block() orders the fills within one time.
    all.sort((a, b) => a.fill.time - b.fill.time);
    let from = 0;
    for (let i = 1; i <= all.length; i++) {
      if (i === all.length || all[i]?.fill.time !== all[from]?.fill.time) {
        await run.block(all.slice(from, i));
        from = i;
      }
    }
  }
  await run.finish();
  return { ...counts, fills: run.fills, duplicates: run.duplicates, signals: run.signals };
}

async function* normalized(
  source: RawEventSource,
  counts: { rawEvents: number; skipped: number; invalid: number },
  onInvalid: ReplayOptions['onInvalid'],
): AsyncGenerator<Item> {
  for await (const raw of source) {
    counts.rawEvents++;
    if (raw.eventType !== 'fill') {
      counts.skipped++;
      continue;
    }
    try {
      yield { influencerId: raw.influencerId, fill: fillFromRawEvent(raw) };
    } catch (e) {
      counts.invalid++;
      onInvalid?.(raw.eventId, errorMessage(e));
    }
  }
}

/** The engine side: one block time at a time, signals handed on as soon as it is closed. */
class ReplayRun {
  fills = 0;
  duplicates = 0;
  signals = 0;
  private readonly clock = new EventClock();
  private readonly engine: PositionEngine;
  private readonly admitted = new Set<string>();
  private out: Signal[] = [];

  constructor(private readonly opts: ReplayOptions) {
    this.engine = new PositionEngine({
      clock: this.clock,
      mode: opts.mode,
      signalClasses: opts.signalClasses,
      settleMs: 0,
    });
    this.engine.events.on('signal', (s) => this.out.push(s));
    if (opts.onEvent) {
      const forward = opts.onEvent;
      for (const k of ['gap', 'reconcile', 'selfTrade', 'dirMismatch', 'unknownDir', 'error'] as const)
        this.engine.events.on(k, (p) => forward(k, p));
    }
  }

  /** All fills of one block time (any order, copies included). */
  async block(group: Item[]): Promise<void> {
    if (group.length === 0) return;
    group.sort(byKey);
    const seen = new Set<string>();
    const touched = new Map<string, [string, string]>();
    for (const { influencerId, fill } of group) {
      const id = `${influencerId}|${fill.eventId}`;
      if (seen.has(id)) {
        this.duplicates++;
        continue;
      }
      seen.add(id);
      this.fills++;
      if (!this.admitted.has(influencerId)) {
        this.admitted.add(influencerId);
        await this.engine.admit(influencerId, fill.user);
      }
      this.clock.time = fill.time;
      this.engine.ingest(influencerId, fill);
      touched.set(`${influencerId}|${fill.coin}`, [influencerId, fill.coin]);
      if (this.engine.repairing) await this.engine.idle();
    }
    // Every fill of this block time was fed: close its blocks before the next time starts.
    for (const [influencerId, market] of touched.values()) this.engine.flushMarket(influencerId, market);
    if (this.engine.repairing) await this.engine.idle();
    await this.emit();
  }

  async finish(): Promise<void> {
    this.engine.flush();
    await this.engine.close();
    await this.emit();
  }

  private async emit(): Promise<void> {
    const batch = this.out.sort((a, b) => a.timestamp - b.timestamp);
    this.out = [];
    for (const s of batch) {
      this.signals++;
      await this.opts.onSignal(s);
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
