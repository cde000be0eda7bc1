/**
 * DurableQueue: the one thing in front of every sink, so that a sink outage costs neither
 * records nor order. It is a strict FIFO with ONE batch in flight, in two modes:
 *
 * - `memory`: records sit in a bounded buffer and go straight to the sink.
 * - `spill`: entered when the sink fails or the buffer passes `spillThreshold`. The buffer
 *   (including the batch that just failed, which is still at its head) is appended to the
 *   fsync'd spool in order; the writer keeps moving newer records from the buffer's head to
 *   the spool's tail, and delivery reads from the spool. Every spooled record is older than
 *   every buffered one, so draining the spool first preserves the enqueue order.
 *   When the spool is drained and the writer idle, the spool files are deleted and the queue
 *   returns to `memory` mode.
 *
 * A failed batch is re-sent first and with the same size (so an idempotent Kafka producer can
 * recognise it). Delivery is at-least-once: a batch acknowledged by the sink just before a
 * crash, or still in flight at a close() timeout, is delivered again later; consumers dedupe
 * on record ids. Backpressure: enqueue() waits (FIFO) while the buffer is full, unless
 * `overflow: 'shed'`, which drops the new record and counts it. A spool left by a killed
 * process is recovered by open() and drained before anything new.
 */
import {
  DEFAULT_RETRY_POLICY,
  SinkError,
  TimeoutError,
  backoffDelay,
  errorMessage,
  isRetriable,
  silentLogger,
  systemClock,
} from '../core/index.js';
import type { Clock, Logger } from '../core/index.js';
import { TypedEmitter } from '../core/index.js';
import { Notifier } from './notifier.js';
import type {
  CloseReport,
  DurableQueueEvents,
  DurableQueueOptions,
  EnqueueOutcome,
  QueueMode,
  QueueStats,
} from './durable-queue-options.js';

export type {
  CloseReport,
  DurableQueueEvents,
  DurableQueueOptions,
  EnqueueOutcome,
  OverflowPolicy,
  QueueMode,
  QueueStats,
} from './durable-queue-options.js';
import { Spool } from './spool/spool.js';

const defaultEncode = (r: unknown): string => JSON.stringify(r);
const defaultDecode = (s: string): unknown => JSON.parse(s);

export class DurableQueue<T> {
  readonly events: TypedEmitter<DurableQueueEvents<T>>;
  private readonly buf: T[] = [];
  private readonly roomWaiters: { record: T; resolve: (o: EnqueueOutcome) => void }[] = [];
  private readonly work = new Notifier();
  private readonly idle = new Notifier();
  private readonly space = new Notifier();
  private readonly room = new Notifier();
  private readonly stop = new AbortController();
  private mode: QueueMode = 'memory';
  private writer: Promise<void> | null = null;
  private pump: Promise<void> = Promise.resolve();
  private inDeliver = false;
  private retryBatchSize: number | null = null;
  private attempt = 0;
  private closing = false;
  private closed: Promise<CloseReport> | null = null;
  private counters = { delivered: 0, shed: 0, spilled: 0, corrupt: 0, failures: 0 };
  private readonly o: Required<
    Omit<DurableQueueOptions<T>, 'spoolDir' | 'random' | 'encode' | 'decode' | 'logger' | 'clock'>
  >;
  private readonly encode: (r: T) => string;
  private readonly decode: (s: string) => T;
  private readonly clock: Clock;
  private readonly logger: Logger;

  private constructor(
    options: DurableQueueOptions<T>,
    private readonly spool: Spool | null,
  ) {
    const maxMemoryRecords = options.maxMemoryRecords ?? 10_000;
    this.o = {
      name: options.name,
      deliver: options.deliver,
      maxMemoryRecords,
      spillThreshold: options.spillThreshold ?? Math.max(1, Math.floor(maxMemoryRecords / 2)),
      maxBatchRecords: options.maxBatchRecords ?? 500,
      maxSpoolBytes: options.maxSpoolBytes ?? 1024 ** 3,
      segmentBytes: options.segmentBytes ?? 8 * 1024 * 1024,
      overflow: options.overflow ?? 'block',
      retryPolicy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
    };
    this.random = options.random ?? Math.random;
    this.encode = options.encode ?? (defaultEncode as (r: T) => string);
    this.decode = options.decode ?? (defaultDecode as (s: string) => T);
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ component: 'sink.queue', queue: options.name });
    this.events = new TypedEmitter(this.logger);
  }

  private readonly random: () => number;

  /** Open the spool (recovering a previous process's records, which go out first) and start delivering. */
  static async open<T>(options: DurableQueueOptions<T>): Promise<DurableQueue<T>> {
    const logger = options.logger ?? silentLogger;
    const spool = options.spoolDir
      ? await Spool.open({ dir: options.spoolDir, segmentBytes: options.segmentBytes, logger })
      : null;
    const queue = new DurableQueue(options, spool);
    queue.begin();
    return queue;
  }

  /** Records held in memory. */
  get depth(): number {
    return this.buf.length + this.roomWaiters.length;
  }

  stats(): QueueStats {
    return {
      mode: this.mode,
      depth: this.depth,
      spoolRecords: this.spool?.records ?? 0,
      spoolBytes: this.spool?.bytes ?? 0,
      ...this.counters,
    };
  }

  /**
   * Accept one record. Resolves at once while there is room; otherwise waits (FIFO, so callers
   * keep their order) or, with `overflow: 'shed'`, drops the record and resolves `shed`.
   */
  enqueue(record: T): Promise<EnqueueOutcome> {
    if (this.closing) {
      return Promise.reject(new SinkError('SINK_UNAVAILABLE', `queue ${this.o.name} is closed`));
    }
    if (this.buf.length < this.o.maxMemoryRecords && this.roomWaiters.length === 0) {
      this.accept(record);
      return Promise.resolve('accepted');
    }
    if (this.o.overflow === 'shed') {
      this.counters.shed++;
      this.events.emit('shed', { count: 1 });
      return Promise.resolve('shed');
    }
    return new Promise((resolve) => this.roomWaiters.push({ record, resolve }));
  }

  /** Resolves when enqueue() would accept a record without waiting. */
  async whenWritable(): Promise<void> {
    while (this.buf.length >= this.o.maxMemoryRecords || this.roomWaiters.length > 0) {
      if (this.closing) return;
      await this.room.wait();
    }
  }

  /** Resolves when everything enqueued so far was delivered; rejects with TimeoutError after `timeoutMs`. */
  async flush(timeoutMs = 30_000): Promise<void> {
    let timedOut = false;
    let onTimeout: () => void = () => undefined;
    const timeout = new Promise<void>((resolve) => (onTimeout = resolve));
    const timer = this.clock.setTimeout(() => {
      timedOut = true;
      onTimeout();
    }, timeoutMs);
    try {
      while (!this.isIdle()) {
        if (timedOut) {
          throw new TimeoutError(`queue ${this.o.name}: flush did not finish in ${timeoutMs} ms`, {
            context: { depth: this.depth, spoolRecords: this.spool?.records ?? 0 },
          });
        }
        await Promise.race([this.idle.wait(), timeout]);
      }
    } finally {
      timer.cancel();
    }
  }

  /**
   * Deliver what can be delivered within `timeoutMs`, then persist the rest to the spool
   * (fsync'd) so a hard exit right after is safe. Idempotent.
   */
  close(timeoutMs = 10_000): Promise<CloseReport> {
    this.closed ??= this.doClose(timeoutMs);
    return this.closed;
  }

  private async doClose(timeoutMs: number): Promise<CloseReport> {
    this.closing = true;
    // Records already waiting for room were promised acceptance: take them; the spool holds them.
    for (const w of this.roomWaiters.splice(0)) {
      this.buf.push(w.record);
      w.resolve('accepted');
    }
    try {
      await this.flush(timeoutMs);
    } catch (err) {
      this.logger.warn({ err }, 'close: flush timed out; persisting the rest to the spool');
    }
    this.stop.abort();
    this.work.notify();
    this.space.notify();
    this.room.notify();
    // A sink call cannot be cancelled: do not wait for it; its result is ignored from now on.
    // Anywhere else the pump is parked on something the abort releases at once.
    if (!this.inDeliver) await this.pump;
    if (this.writer) await this.writer;
    let spooled = 0;
    let lost = 0;
    if (this.spool) {
      try {
        if (this.buf.length > 0) await this.spool.append(this.buf.map(this.encode));
        spooled = this.spool.records;
      } catch (err) {
        lost = this.buf.length;
        this.logger.error({ err, lost }, 'close: could not persist records to the spool');
      }
      await this.spool.close();
    } else {
      lost = this.buf.length;
      if (lost > 0) this.logger.error({ lost }, 'close: records lost (queue has no spool)');
    }
    this.buf.length = 0;
    return { spooled, lost };
  }

  private begin(): void {
    const rec = this.spool?.recovered;
    if (rec && rec.bytes > 0) {
      this.mode = 'spill';
      this.logger.warn({ ...rec }, 'recovered spool from a previous process; draining it first');
      this.events.emit('recovered', rec);
      this.events.emit('mode', { mode: 'spill', reason: 'recovered' });
    }
    this.pump = this.runPump().catch((err: unknown) => {
      this.logger.fatal({ err }, 'delivery loop crashed');
    });
  }

  private accept(record: T): void {
    this.buf.push(record);
    if (this.mode === 'spill') this.kickWriter();
    this.work.notify();
  }

  private isIdle(): boolean {
    return this.depth === 0 && (this.spool?.isEmpty ?? true) && this.writer === null;
  }

  private released(n: number): void {
    this.buf.splice(0, n);
    while (this.roomWaiters.length > 0 && this.buf.length < this.o.maxMemoryRecords) {
      const w = this.roomWaiters.shift();
      if (!w) break;
      this.accept(w.record);
      w.resolve('accepted');
    }
    this.room.notify();
    if (this.isIdle()) this.idle.notify();
  }

  private async runPump(): Promise<void> {
    while (!this.stop.signal.aborted) {
      if (this.mode === 'memory') await this.stepMemory();
      else await this.stepSpill();
    }
  }

  private async stepMemory(): Promise<void> {
    if (this.spool && this.buf.length >= this.o.spillThreshold) return this.enterSpill('threshold');
    if (this.buf.length === 0) {
      this.idle.notify();
      await this.work.wait();
      return;
    }
    const n = Math.min(this.retryBatchSize ?? this.o.maxBatchRecords, this.buf.length);
    const batch = this.buf.slice(0, n);
    if (await this.tryDeliver(batch)) {
      this.released(n);
      this.events.emit('delivered', { records: batch, fromSpool: false });
    } else if (this.spool && !this.stop.signal.aborted) {
      this.enterSpill('sink failing');
    }
  }

  private async stepSpill(): Promise<void> {
    const spool = this.spool;
    if (!spool) return;
    const batch = await spool.read(this.retryBatchSize ?? this.o.maxBatchRecords);
    if (this.stop.signal.aborted) return;
    if (batch.corrupt > 0) {
      this.counters.corrupt += batch.corrupt;
      this.logger.error({ count: batch.corrupt, code: 'SPOOL_CORRUPT' }, 'skipped damaged spool records');
      this.events.emit('corrupt', { count: batch.corrupt });
    }
    const records: T[] = [];
    for (const text of batch.payloads) {
      try {
        records.push(this.decode(text));
      } catch (err) {
        this.counters.corrupt++;
        this.logger.error({ err, code: 'SPOOL_CORRUPT' }, 'spool record does not decode; skipped');
        this.events.emit('corrupt', { count: 1 });
      }
    }
    if (batch.payloads.length === 0) {
      if (!spool.isEmpty) {
        // Only damaged lines ahead: acknowledge them so they are not read again.
        const before = spool.bytes;
        await spool.commit(batch.end, 0);
        if (spool.bytes === before) await this.work.wait(); // nothing readable yet
        return;
      }
      if (this.writer === null) {
        this.mode = 'memory';
        await spool.reset();
        this.events.emit('mode', { mode: 'memory', reason: 'spool drained' });
        return;
      }
      await this.work.wait();
      return;
    }
    if (records.length > 0 && !(await this.tryDeliver(records))) return;
    if (this.stop.signal.aborted) return;
    await spool.commit(batch.end, batch.payloads.length);
    this.space.notify();
    if (records.length > 0) this.events.emit('delivered', { records, fromSpool: true });
    if (this.isIdle()) this.idle.notify();
  }

  /** One attempt; on failure backs off (policy from core/retry) and remembers the batch size. */
  private async tryDeliver(batch: readonly T[]): Promise<boolean> {
    this.inDeliver = true;
    try {
      await this.o.deliver(batch);
    } catch (error) {
      this.inDeliver = false;
      if (this.stop.signal.aborted) return false;
      this.counters.failures++;
      this.attempt++;
      this.retryBatchSize = batch.length;
      const policy = this.o.retryPolicy;
      const exhausted = this.attempt >= policy.maxAttempts;
      const delayMs = exhausted ? policy.maxDelayMs : backoffDelay(policy, this.attempt, this.random);
      const level = isRetriable(error) ? 'warn' : 'error';
      this.logger[level](
        { err: error, attempt: this.attempt, delayMs },
        `delivery failed: ${errorMessage(error)}`,
      );
      this.events.emit('deliveryFailed', { attempt: this.attempt, delayMs, error });
      if (exhausted) this.events.emit('stalled', { attempts: this.attempt, error });
      await this.clock.sleep(delayMs, this.stop.signal).catch(() => undefined);
      return false;
    }
    this.inDeliver = false;
    if (this.stop.signal.aborted) return false; // close() owns the buffer now
    this.counters.delivered += batch.length;
    this.attempt = 0;
    this.retryBatchSize = null;
    return true;
  }

  private enterSpill(reason: string): void {
    this.mode = 'spill';
    this.logger.info({ reason, depth: this.buf.length }, 'spilling to the spool');
    this.events.emit('mode', { mode: 'spill', reason });
    this.kickWriter();
  }

  private kickWriter(): void {
    if (this.writer || !this.spool || this.stop.signal.aborted) return;
    this.writer = this.runWriter(this.spool).finally(() => {
      this.writer = null;
      this.work.notify();
      if (this.isIdle()) this.idle.notify();
    });
  }

  private async runWriter(spool: Spool): Promise<void> {
    let failures = 0;
    while (this.mode === 'spill' && this.buf.length > 0 && !this.stop.signal.aborted) {
      if (spool.bytes >= this.o.maxSpoolBytes) {
        await this.space.wait();
        continue;
      }
      const n = Math.min(this.buf.length, this.o.maxBatchRecords * 4);
      try {
        await spool.append(this.buf.slice(0, n).map(this.encode));
        failures = 0;
      } catch (error) {
        failures++;
        this.events.emit('spoolError', { error });
        this.logger.error({ err: error }, 'spool write failed; records stay in memory');
        const delayMs = backoffDelay(this.o.retryPolicy, failures, this.random);
        await this.clock.sleep(delayMs, this.stop.signal).catch(() => undefined);
        continue;
      }
      this.counters.spilled += n;
      this.events.emit('spilled', { count: n });
      this.released(n);
      this.work.notify();
    }
  }
}
