/**
 * KafkaHandoffSink: the listener side of the Kafka hand-off. publish() encodes and queues and
 * returns at once (a listener is never blocked or thrown at); one send loop drains the queue in
 * batches of up to maxBatchRecords after a linger of lingerMs, to the bronze topic, on an
 * idempotent producer with acks=all. One send in flight at a time keeps per-influencer order
 * without leaning on kafkajs' idempotent in-flight ordering. A failed batch stays at the head
 * of the queue and is re-sent with backoff until acked. The queue is bounded
 * (queueMaxRecords): past it publish() refuses the record and counts it ('overflow' event),
 * which only happens when Kafka has been unreachable for a while; group B's listener and the
 * processor's reconcile cover the gap. flush() waits for acks; close() is ordered and idempotent.
 */
import type { Kafka } from 'kafkajs';
import { TypedEmitter, backoffDelay, systemClock } from '../core/index.js';
import type { Clock, Logger, RetryPolicy, TimerHandle } from '../core/index.js';
import type { DistributedKafkaConfig } from '../config/index.js';
import type { HandoffRecord, HandoffSink } from '../handoff/index.js';
import { encodeBronze } from './bronze-codec.js';
import type { BronzeMessage } from './bronze-codec.js';
import { ensureTopic } from './topics.js';
import { rememberingPartitioner } from '../sinks/kafka/index.js';

/** The three producer calls the sink makes (tests may pass a fake). */
export interface BronzeProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(request: { topic: string; acks: number; messages: BronzeMessage[] }): Promise<unknown>;
}

export interface HandoffSinkEvents {
  /**
   * A batch was acked by Kafka; latencyMs runs from its first record's publish() to the ack,
   * receiptAgesMs from each record's receipt at the listener (receivedAt) to the ack.
   */
  sent: { readonly records: number; readonly latencyMs: number; readonly receiptAgesMs: readonly number[] };
  /** The queue was full: the record was refused (counted, never silent). */
  overflow: { readonly influencerId: string; readonly dropped: number };
  /** A send failed; the batch is kept and re-sent after `retryInMs`. */
  sendError: { readonly error: unknown; readonly records: number; readonly retryInMs: number };
  /** publish() after close(): refused. */
  closedDrop: { readonly influencerId: string };
}

export interface HandoffSinkStatus {
  readonly topic: string;
  readonly queued: number;
  readonly sending: number;
  readonly sent: number;
  readonly overflowed: number;
  readonly failedSends: number;
  readonly lastError: string | null;
}

export interface KafkaHandoffSinkOptions {
  readonly config: DistributedKafkaConfig;
  readonly logger: Logger;
  /** The kafkajs client (distributedKafka()); used for the producer and topic creation. */
  readonly kafka?: Kafka;
  /** Tests: a fake producer instead of kafka.producer(). */
  readonly producer?: BronzeProducer;
  readonly clock?: Clock;
}

interface Queued {
  readonly message: BronzeMessage;
  readonly at: number;
  readonly receivedAt: number;
  readonly seq: number;
}

export class KafkaHandoffSink implements HandoffSink {
  readonly events: TypedEmitter<HandoffSinkEvents>;
  private readonly cfg: DistributedKafkaConfig['bronze'];
  private readonly producer: BronzeProducer;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly retryPolicy: RetryPolicy;
  private queue: Queued[] = [];
  private sending = 0;
  private seq = 0;
  private ackedSeq = 0;
  private sent = 0;
  private overflowed = 0;
  private failedSends = 0;
  private failuresInRow = 0;
  private lastError: string | null = null;
  private timer: TimerHandle | null = null;
  private loop: Promise<void> | null = null;
  private started = false;
  private closing = false;
  private closed: Promise<void> | null = null;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private readonly stop = new AbortController();

  constructor(private readonly options: KafkaHandoffSinkOptions) {
    this.cfg = options.config.bronze;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger.child({ component: 'distributed.handoff-sink' });
    this.events = new TypedEmitter<HandoffSinkEvents>(this.log);
    this.retryPolicy = {
      initialDelayMs: this.cfg.retryInitialDelayMs,
      maxDelayMs: this.cfg.retryMaxDelayMs,
      factor: 2,
      maxAttempts: Infinity,
      jitter: 0.2,
    };
    if (options.producer) this.producer = options.producer;
    else if (options.kafka) {
      this.producer = options.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Keyed by influencer: the default placement, each key hashed once.
        createPartitioner: rememberingPartitioner,
        retry: {
          retries: this.cfg.producerRetries,
          initialRetryTime: 100,
          maxRetryTime: this.cfg.retryMaxDelayMs,
        },
      }) as unknown as BronzeProducer;
    } else throw new TypeError('KafkaHandoffSink needs `kafka` or `producer`');
  }

  /** Connects (and creates the topic if configured). Records published before start wait in the queue. */
  async start(): Promise<void> {
    if (this.started || this.closing) return;
    if (this.options.kafka && !this.options.producer) {
      await ensureTopic(this.options.kafka, {
        topic: this.cfg.topic,
        partitions: this.cfg.partitions,
        replicationFactor: this.options.config.replicationFactor,
        create: this.options.config.createTopics,
      });
    }
    await this.producer.connect();
    this.started = true;
    this.schedule();
  }

  publish(record: HandoffRecord): void {
    if (this.closing) {
      this.events.emit('closedDrop', { influencerId: record.influencerId });
      return;
    }
    if (this.queue.length + this.sending >= this.cfg.queueMaxRecords) {
      this.overflowed += 1;
      if (this.overflowed === 1 || this.overflowed % 1000 === 0) {
        this.log.warn(
          { overflowed: this.overflowed, queueMax: this.cfg.queueMaxRecords },
          'hand-off queue full: records refused',
        );
      }
      this.events.emit('overflow', { influencerId: record.influencerId, dropped: this.overflowed });
      return;
    }
    this.seq += 1;
    this.queue.push({
      message: encodeBronze(record),
      at: this.clock.now(),
      receivedAt: record.receivedAt,
      seq: this.seq,
    });
    this.schedule();
  }

  /** Resolves once everything published before this call is acked by Kafka. */
  flush(): Promise<void> {
    const target = this.seq;
    if (this.ackedSeq >= target) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq: target, resolve }));
  }

  close(): Promise<void> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  status(): HandoffSinkStatus {
    return {
      topic: this.cfg.topic,
      queued: this.queue.length,
      sending: this.sending,
      sent: this.sent,
      overflowed: this.overflowed,
      failedSends: this.failedSends,
      lastError: this.lastError,
    };
  }

  private async doClose(): Promise<void> {
    this.closing = true;
    if (this.started) {
      this.schedule(true);
      let timedOut = false;
      const timeout = new Promise<void>((resolve) => {
        const t = this.clock.setTimeout(() => {
          timedOut = true;
          resolve();
        }, this.cfg.closeFlushTimeoutMs);
        void this.flush().then(() => {
          t.cancel();
          resolve();
        });
      });
      await timeout;
      if (timedOut) {
        this.log.error(
          { unacked: this.queue.length + this.sending, lastError: this.lastError },
          'hand-off sink closed before Kafka acked every record: these records are lost to the bronze topic',
        );
      }
    }
    this.timer?.cancel();
    this.timer = null;
    this.queue = [];
    this.stop.abort();
    await this.loop?.catch(() => undefined);
    if (this.started) await this.producer.disconnect();
    // Nothing more can be acked: release flush() callers so shutdown never hangs.
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  /** Starts the send loop after the linger (at once when a batch is full or we are closing). */
  private schedule(now = false): void {
    if (!this.started || this.loop || this.queue.length === 0) return;
    const full = this.queue.length >= this.cfg.maxBatchRecords;
    if (now || full || this.closing || this.cfg.lingerMs === 0) {
      this.timer?.cancel();
      this.timer = null;
      this.loop = this.drain().finally(() => {
        this.loop = null;
        this.schedule();
      });
      return;
    }
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = null;
      this.schedule(true);
    }, this.cfg.lingerMs);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.cfg.maxBatchRecords);
      this.sending = batch.length;
      try {
        await this.producer.send({ topic: this.cfg.topic, acks: -1, messages: batch.map((q) => q.message) });
      } catch (error) {
        this.sending = 0;
        this.queue.unshift(...batch);
        this.failedSends += 1;
        this.failuresInRow += 1;
        this.lastError = error instanceof Error ? error.message : String(error);
        const retryInMs = backoffDelay(this.retryPolicy, this.failuresInRow);
        this.events.emit('sendError', { error, records: batch.length, retryInMs });
        this.log.warn({ err: error, records: batch.length, retryInMs }, 'bronze send failed; will re-send');
        // Close cuts the wait short; its flush timeout decides when to give up.
        await this.clock.sleep(retryInMs, this.stop.signal).catch(() => undefined);
        continue;
      }
      this.sending = 0;
      this.failuresInRow = 0;
      this.sent += batch.length;
      const last = batch[batch.length - 1] as Queued;
      this.ackedSeq = last.seq;
      const now = this.clock.now();
      this.events.emit('sent', {
        records: batch.length,
        latencyMs: now - (batch[0] as Queued).at,
        receiptAgesMs: batch.map((q) => now - q.receivedAt),
      });
      this.releaseWaiters();
    }
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const keep: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.ackedSeq >= w.seq) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }
}

/** Factory the composition root calls for a `listeners` process. */
export function createKafkaHandoffSink(options: KafkaHandoffSinkOptions): KafkaHandoffSink {
  return new KafkaHandoffSink(options);
}
