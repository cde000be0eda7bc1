/**
 * When the reference consumer commits. kafkajs with autoCommit on commits after every fetched
 * batch, and batches are per partition and handled one after another: over 6 partitions every
 * fetch cycle paid 6 OffsetCommit round trips before the next fetch, which put ~35 ms (p50) between
 * a signal's ack and its handler on a local broker. So kafkajs runs with autoCommit off and
 * this commits the handled offsets (next offset after the last signal whose handler resolved)
 * itself: after `threshold` handled messages, when `intervalMs` has passed since the last commit
 * (checked per message, and by a timer so an idle partition's tail is committed too), and at
 * stop. One commit at a time; a failed one is logged and retried by the next trigger (the next
 * group member re-reads at most what was not committed, and the dedupe absorbs it).
 */
import type { Clock } from '../core/index.js';
import { systemClock } from '../core/index.js';

export interface CommitterOptions {
  readonly intervalMs: number;
  readonly threshold: number;
  /** Commits these next offsets, per partition. */
  readonly commit: (offsets: ReadonlyMap<number, number>) => Promise<void>;
  readonly onError: (error: unknown) => void;
  readonly clock?: Pick<Clock, 'now' | 'setInterval'>;
}

export class OffsetCommitter {
  /** Next offset after the last handled message, per partition (also read by lag()). */
  readonly handled = new Map<number, number>();
  private readonly clock: Pick<Clock, 'now' | 'setInterval'>;
  private pending = 0;
  private lastCommit: number;
  private running: Promise<void> | null = null;
  private timer: { cancel(): void } | null = null;

  constructor(private readonly o: CommitterOptions) {
    this.clock = o.clock ?? systemClock;
    this.lastCommit = this.clock.now();
  }

  /** Starts the idle timer (intervalMs 0 commits after every message: no timer needed). */
  start(): void {
    if (this.timer || this.o.intervalMs <= 0) return;
    this.timer = this.clock.setInterval(() => {
      if (this.pending > 0) void this.commitNow();
    }, this.o.intervalMs);
  }

  /** A message's handler resolved; commits when the threshold or the interval says so. */
  async handledMessage(partition: number, offset: string): Promise<void> {
    this.handled.set(partition, Number(offset) + 1);
    this.pending++;
    const due = this.pending >= this.o.threshold || this.clock.now() - this.lastCommit >= this.o.intervalMs;
    if (due) await this.commitNow();
  }

  /** Partitions no longer assigned: their offsets are someone else's to commit from now on. */
  retain(partitions: ReadonlySet<number>): void {
    for (const p of [...this.handled.keys()]) if (!partitions.has(p)) this.handled.delete(p);
  }

  /** Stops the timer and commits what is left (waits for a commit in flight first). */
  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    await this.running;
    if (this.pending > 0) await this.commitNow();
  }

  private commitNow(): Promise<void> {
    this.running ??= (async () => {
      const offsets = new Map(this.handled);
      const covered = this.pending;
      try {
        if (offsets.size > 0) await this.o.commit(offsets);
        this.pending -= covered;
        this.lastCommit = this.clock.now();
      } catch (err) {
        this.o.onError(err);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }
}
