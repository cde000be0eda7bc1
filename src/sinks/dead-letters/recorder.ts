/**
 * Where dead letters go: the DLQ (Kafka topic or local file) and the raw store, each through
 * its own DurableQueue, so a DLQ outage is spooled and retried like any sink and never stalls
 * or crashes the pipeline. record() never rejects; every dead letter is counted by reason.
 * recordRejected() is for records a sink refused for good: it rejects when the DLQ did not
 * take the letter, because the refusing queue then keeps the record and retries, and a
 * record the raw store refused is not offered to the raw store again (it would refuse it
 * again, forever).
 */
import { DEAD_LETTER_REASONS, SinkError, errorMessage, silentLogger, systemClock } from '../../core/index.js';
import type { Clock, DeadLetter, DeadLetterReason, Logger, RawEvent } from '../../core/index.js';
import { deadLetterToRawEvent } from './record.js';
import type { DurableQueue } from '../durable-queue.js';
import { TypedEmitter } from '../../core/index.js';

export interface DeadLetterRecorderOptions {
  /** Queue in front of the DeadLetterPublisher (DLQ topic or local file). */
  readonly dlq: DurableQueue<DeadLetter>;
  /** Queue in front of the RawEventStore; null = dead letters are not kept in the raw store. */
  readonly raw: DurableQueue<RawEvent> | null;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export interface DeadLetterEvents {
  deadLetter: { readonly reason: DeadLetterReason; readonly listenerId: string };
  /** A queue refused the letter (closed or shed); it is counted as lost. */
  lost: { readonly reason: DeadLetterReason; readonly target: 'dlq' | 'raw'; readonly error: string };
}

export class DeadLetterRecorder {
  readonly events: TypedEmitter<DeadLetterEvents>;
  private readonly counts = new Map<DeadLetterReason, number>();
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: DeadLetterRecorderOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ component: 'sink.dead-letters' });
    this.events = new TypedEmitter(this.logger);
    for (const r of DEAD_LETTER_REASONS) this.counts.set(r, 0);
  }

  /** Count and enqueue one dead letter to both targets. Waits for queue room; never rejects. */
  async record(letter: DeadLetter): Promise<void> {
    this.counts.set(letter.reason, (this.counts.get(letter.reason) ?? 0) + 1);
    this.events.emit('deadLetter', { reason: letter.reason, listenerId: letter.listenerId });
    await Promise.all([
      this.enqueue('dlq', () => this.options.dlq.enqueue(letter), letter),
      this.options.raw
        ? this.enqueue(
            'raw',
            () => this.options.raw?.enqueue(deadLetterToRawEvent(letter, this.clock.now())),
            letter,
          )
        : undefined,
    ]);
  }

  /**
   * Dead-letter a record a sink refused. Resolves once the DLQ queue accepted the letter;
   * rejects (retriable) when it shed it or is closed, and nothing is counted then. With
   * `raw: false` the letter goes to the DLQ only.
   */
  async recordRejected(letter: DeadLetter, options: { readonly raw: boolean }): Promise<void> {
    const outcome = await this.options.dlq.enqueue(letter);
    if (outcome === 'shed') {
      throw new SinkError('SINK_UNAVAILABLE', 'dead-letter queue is full: will retry the hand-off', {
        retriable: true,
      });
    }
    this.counts.set(letter.reason, (this.counts.get(letter.reason) ?? 0) + 1);
    this.events.emit('deadLetter', { reason: letter.reason, listenerId: letter.listenerId });
    const raw = this.options.raw;
    if (options.raw && raw) {
      await this.enqueue('raw', () => raw.enqueue(deadLetterToRawEvent(letter, this.clock.now())), letter);
    }
  }

  /** Dead letters seen so far, by reason (every reason present, zero included). */
  countsByReason(): Readonly<Record<DeadLetterReason, number>> {
    return Object.fromEntries(this.counts) as Record<DeadLetterReason, number>;
  }

  private async enqueue(
    target: 'dlq' | 'raw',
    run: () => Promise<unknown> | undefined,
    letter: DeadLetter,
  ): Promise<void> {
    try {
      const outcome = await run();
      if (outcome === 'shed') {
        this.events.emit('lost', { reason: letter.reason, target, error: 'shed' });
      }
    } catch (err) {
      this.logger.error({ err, target, reason: letter.reason }, 'dead letter not enqueued');
      this.events.emit('lost', { reason: letter.reason, target, error: errorMessage(err) });
    }
  }
}
