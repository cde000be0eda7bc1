/**
 * The fan-in-level backfill hook (docs/hyperliquid-protocol.md §2.2, §9.6). Every fill a listener
 * delivers goes through here on its way to the FanIn so we know, per user, the block time of
 * the last fill processed. Two situations need REST:
 *
 * - a `userFills` snapshot whose oldest fill is newer than that last time: the snapshot is
 *   capped and does not reach back over the outage;
 * - a market-stream listener (no snapshots on `trades`) coming back after the user had no
 *   live listener at all (coverage lost).
 *
 * Then the user is *gated*: fills of every listener for that user are queued, REST
 * `userFillsByTimeAll` runs from the last time (inclusive overlap) to now, its fills are
 * pushed with delivery 'backfill' / listenerId 'backfill', then the queue in arrival order.
 * Pushing the older backfill first keeps per-(influencer, market) order in the FanIn; the
 * overlap is removed by its dedup. A gate never outlives `maxHoldMs`, and a failed backfill
 * still releases the queue (late beats never).
 */
import type { Clock, FillEvent, Logger, RawEvent, TimerHandle } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import type { BackfillResult } from '../protocol/index.js';
import type { FillSink } from './types.js';

export interface BackfillGateOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sink: FillSink;
  readonly enabled: boolean;
  /** REST fetch through the user's pool (InfoClient.userFillsByTimeAll). */
  readonly fetch: (user: string, fromTime: number, toTime: number) => Promise<BackfillResult>;
  readonly onBackfill: (e: {
    user: string;
    reason: 'snapshot-gap' | 'coverage-lost';
    fromTime: number;
    toTime: number;
    fills: number;
    pages: number;
    truncated: boolean;
  }) => void;
  readonly onFailed: (e: { user: string; error: string }) => void;
  /** Longest a user stays gated waiting for a listener to resubscribe (default 30 s). */
  readonly maxHoldMs?: number;
}

interface Gate {
  readonly queue: FillEvent[][];
  running: boolean;
  timer: TimerHandle | null;
}

export class BackfillGate {
  private readonly last = new Map<string, number>();
  private readonly gates = new Map<string, Gate>();
  private readonly lost = new Set<string>();
  private readonly maxHoldMs: number;
  private closed = false;

  constructor(private readonly o: BackfillGateOptions) {
    this.maxHoldMs = o.maxHoldMs ?? 30_000;
  }

  /** Last processed block time of `user` (undefined before the first fill). */
  lastTime(user: string): number | undefined {
    return this.last.get(user);
  }

  /** Live fills (one user). */
  push(user: string, fills: readonly FillEvent[]): void {
    if (fills.length === 0) return;
    const g = this.gates.get(user);
    if (g) {
      g.queue.push([...fills]);
      return;
    }
    this.forward(user, fills);
  }

  /** A `userFills` snapshot (one user): checked for a gap before it is processed like live fills. */
  snapshot(user: string, fills: readonly FillEvent[]): void {
    this.lost.delete(user);
    const g = this.gates.get(user);
    if (g) {
      if (fills.length > 0) g.queue.push([...fills]);
      return;
    }
    const last = this.last.get(user);
    let oldest = Infinity;
    for (const f of fills) if (f.time < oldest) oldest = f.time;
    if (this.o.enabled && last !== undefined && fills.length > 0 && oldest > last) {
      const gate = this.gate(user);
      gate.queue.push([...fills]);
      this.run(user, 'snapshot-gap');
      return;
    }
    this.forward(user, fills);
  }

  /** The user has no subscribed listener any more. */
  coverageLost(user: string): void {
    this.lost.add(user);
  }

  isCoverageLost(user: string): boolean {
    return this.lost.has(user);
  }

  /** A market-stream listener of a coverage-lost user reconnected: queue its fills until resumed(). */
  hold(user: string): void {
    if (!this.o.enabled || !this.lost.has(user) || this.last.get(user) === undefined) return;
    this.gate(user);
  }

  /** A market-stream listener is subscribed again: backfill if coverage had been lost. */
  resumed(user: string): void {
    const wasLost = this.lost.delete(user);
    const g = this.gates.get(user);
    if (!wasLost && !g) return;
    if (g?.running) return;
    if (!this.o.enabled || this.last.get(user) === undefined) {
      this.release(user, null);
      return;
    }
    this.gate(user);
    this.run(user, 'coverage-lost');
  }

  close(): void {
    this.closed = true;
    for (const g of this.gates.values()) g.timer?.cancel();
  }

  private gate(user: string): Gate {
    let g = this.gates.get(user);
    if (!g) {
      g = { queue: [], running: false, timer: null };
      const gate = g;
      g.timer = this.o.clock.setTimeout(() => {
        gate.timer = null;
        if (!gate.running) this.run(user, 'coverage-lost');
      }, this.maxHoldMs);
      this.gates.set(user, g);
    }
    return g;
  }

  private run(user: string, reason: 'snapshot-gap' | 'coverage-lost'): void {
    const g = this.gates.get(user);
    if (!g || g.running) return;
    g.running = true;
    g.timer?.cancel();
    g.timer = null;
    const fromTime = this.last.get(user);
    if (fromTime === undefined) {
      this.release(user, null);
      return;
    }
    const toTime = this.o.clock.now();
    this.o.fetch(user, fromTime, toTime).then(
      (r) => {
        this.o.onBackfill({
          user,
          reason,
          fromTime,
          toTime,
          fills: r.events.length,
          pages: r.pages,
          truncated: r.truncated,
        });
        this.release(user, r.events);
      },
      (err: unknown) => {
        this.o.logger.error({ err, user }, 'REST backfill failed; releasing queued fills');
        this.o.onFailed({ user, error: errorMessage(err) });
        this.release(user, null);
      },
    );
  }

  private release(user: string, backfill: readonly FillEvent[] | null): void {
    const g = this.gates.get(user);
    this.gates.delete(user);
    g?.timer?.cancel();
    if (this.closed) return;
    if (backfill && backfill.length > 0) this.forward(user, backfill);
    for (const batch of g?.queue ?? []) this.forward(user, batch);
  }

  private forward(user: string, fills: readonly FillEvent[]): void {
    let max = this.last.get(user) ?? -Infinity;
    for (const f of fills) if (f.time > max) max = f.time;
    this.last.set(user, max);
    try {
      this.o.sink.push(fills);
    } catch (err) {
      this.o.logger.error({ err, user }, 'fill sink refused a batch');
    }
  }
}

/**
 * The raw-store records for a REST backfill: one per fill and tracking influencer, with the
 * validated wire fill as payload. Shared by the listener backfill and position gap repair so
 * both write the audit trail the same way.
 */
export function backfillRawEvents(
  r: Pick<BackfillResult, 'events' | 'raw'>,
  influencerIds: readonly string[],
  ingestTime: number,
): RawEvent[] {
  const out: RawEvent[] = [];
  r.events.forEach((e, i) => {
    for (const influencerId of influencerIds) {
      out.push({
        influencerId,
        user: e.user,
        market: e.coin,
        eventType: 'fill',
        eventId: e.eventId,
        listenerId: 'backfill',
        eventTime: e.time,
        ingestTime,
        payload: JSON.stringify(r.raw[i]),
      });
    }
  });
  return out;
}
