/**
 * Isolating the record a sink refuses for good, by bisection. A refused batch is split in
 * halves and the halves are delivered in order (the first completely before the second),
 * recursing, until the refused part is one record, which is handed over (to the dead-letter
 * path). Every record before and after it is delivered, in its original order, exactly once
 * by this loop: each finished prefix is settled (released or committed) at once, so a
 * transient failure half-way re-sends only what is not finished yet. Bisection also heals a
 * batch that is only too large as a whole: its halves simply go through. The hand-off itself
 * is retried until it succeeds, as a failing sink is: a record is never dropped on the floor.
 */

import { errorMessage, isIngestError, retry } from '../core/index.js';
import type { Clock, Logger, RetryPolicy } from '../core/index.js';

/** The contract sink adapters use to say "this batch holds a record I will never accept". */
export function isRecordRejection(error: unknown): boolean {
  return isIngestError(error) && error.code === 'SINK_RECORD_REJECTED' && !error.retriable;
}

export type AttemptOutcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'rejected'; readonly error: unknown }
  | { readonly kind: 'failed' };

export interface IsolationSteps<T> {
  /** One sink call with `part`. `failed` (transient, or closing) stops the loop. */
  attempt(part: readonly T[]): Promise<AttemptOutcome>;
  /** Hand the one refused record over; false when closing stopped it first. */
  handOff(record: T, error: unknown): Promise<boolean>;
  /** The next `count` records of the batch are finished; `delivered` are those the sink took. */
  settle(count: number, delivered: readonly T[]): Promise<void>;
  /** The sink refused a part of `size` records that is now split (for logs). */
  onSplit?(size: number, error: unknown): void;
}

/**
 * Deliver `batch` in order, isolating refused records. True when every record is finished;
 * false when a failure or close stopped it (the unfinished rest is the caller's to retry).
 */
export async function deliverIsolating<T>(batch: readonly T[], steps: IsolationSteps<T>): Promise<boolean> {
  if (batch.length === 0) return true;
  // Ranges still to do, the next one on top: popping [from, to) keeps batch order.
  const todo: [number, number][] = [[0, batch.length]];
  for (let range = todo.pop(); range !== undefined; range = todo.pop()) {
    const [from, to] = range;
    const part = from === 0 && to === batch.length ? batch : batch.slice(from, to);
    const outcome = await steps.attempt(part);
    if (outcome.kind === 'failed') return false;
    if (outcome.kind === 'delivered') {
      await steps.settle(part.length, part);
      continue;
    }
    if (part.length === 1) {
      if (!(await steps.handOff(part[0] as T, outcome.error))) return false;
      await steps.settle(1, []);
      continue;
    }
    steps.onSplit?.(part.length, outcome.error);
    const mid = from + Math.ceil((to - from) / 2);
    todo.push([mid, to], [from, mid]);
  }
  return true;
}

export interface HandOffOptions<T> {
  readonly onPoison: (record: T, error: unknown) => Promise<void>;
  readonly retryPolicy: RetryPolicy;
  readonly clock: Clock;
  readonly random: () => number;
  /** close(): stop retrying. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Set while onPoison runs: like a sink call, close() must not wait for it (it may be waiting for room in another queue). */
  busy(on: boolean): void;
  /** Each failed try past the policy's maxAttempts (the queue reports itself stalled). */
  onStalled(attempts: number, error: unknown): void;
}

/** Await onPoison until it succeeds (true) or the signal aborts (false: the record stays queued). */
export async function handOffWithRetry<T>(record: T, error: unknown, o: HandOffOptions<T>): Promise<boolean> {
  try {
    await retry(
      async () => {
        o.busy(true);
        try {
          await o.onPoison(record, error);
        } finally {
          o.busy(false);
        }
      },
      {
        policy: o.retryPolicy,
        label: 'poison hand-off',
        signal: o.signal,
        clock: o.clock,
        random: o.random,
        // Every failure is worth another try (the record must not be lost) until close().
        shouldRetry: () => !o.signal.aborted,
        onRetry: ({ attempt, delayMs, error: err }) =>
          o.logger.error({ err, attempt, delayMs }, `poison hand-off failed: ${errorMessage(err)}`),
        onExhausted: ({ attempt, error: err }) => o.onStalled(attempt, err),
      },
    );
    return !o.signal.aborted;
  } catch (err) {
    if (o.signal.aborted) return false;
    throw err;
  }
}

/**
 * A sink that refuses record after record is not seeing poison: it is broken for every record
 * (a column type changed, a wrong table, a topic with a tiny max.message.bytes). Dead-lettering
 * all of it would empty the store into the DLQ; stalling keeps it queued and spooled until the
 * sink is fixed, with the stall alerts firing. So at most `maxPerWindow` records are handed
 * over per `windowMs`; past that the queue backs off as for any failure, and the window
 * sliding on lets genuine poison through again at that rate.
 */
export class PoisonBreaker {
  private readonly times: number[] = [];

  constructor(
    private readonly maxPerWindow: number,
    private readonly windowMs: number,
  ) {}

  /** True when one more hand-off may happen at `now`. */
  allows(now: number): boolean {
    while (this.times.length > 0 && (this.times[0] as number) <= now - this.windowMs) this.times.shift();
    return this.times.length < this.maxPerWindow;
  }

  record(now: number): void {
    this.times.push(now);
  }
}
