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
 *   The threshold and maxMemoryRecords count the records waiting, not the batch being sent.
 *   Passed while a batch is being sent (a slow ClickHouse insert), the spill starts at once: the
 *   batch is copied to the spool first and the records behind it are moved, so the send's
 *   outcome decides only whether that copy is acknowledged (sent) or re-sent first (failed).
 *   When the spool is drained and the writer idle, the spool files are deleted and the queue
 *   returns to `memory` mode. On the way back (sink healthy, less than a batch spooled, memory
 *   under the threshold) the writer rests and newer records wait in memory, so the spool drains
 *   in whole batches instead of chasing a trickle of fsync'd appends.
 *
 * A failed batch is re-sent first and with the same size (so an idempotent Kafka producer can
 * recognise it). Delivery is at-least-once: a batch acknowledged by the sink just before a
 * crash, or still in flight at a close() timeout, is delivered again later; consumers dedupe
 * on record ids. Backpressure: enqueue() waits (FIFO) while the buffer is full, unless
 * `overflow: 'shed'`, which drops the new record and counts it. A spool left by a killed
 * process is recovered by open() and drained before anything new.
 *
 * A batch the sink refuses for good (a non-retriable SINK_RECORD_REJECTED) is not retried as a
 * whole: with `onPoison` set, the refused record is isolated by bisection (isolate.ts) and
 * handed over, and everything around it is delivered in order. Without `onPoison` it is
 * retried like any failure, so a caller that did not opt in sees no change.
 */
import {
  DEFAULT_RETRY_POLICY,
  SinkError,
  TimeoutError,
  backoffDelay,
  errorMessage,
  isRetriable,
  retry,
  silentLogger,
  systemClock,
} from '../core/index.js';
import type { Clock, Logger, RetryPolicy } from '../core/index.js';
import { TypedEmitter } from '../core/index.js';
import { CONFIG_DEFAULTS } from '../config/index.js';

/** Fallbacks for a queue built without the service config: the schema's own defaults. */
const SPOOL = CONFIG_DEFAULTS.sinks.spool;
import { Notifier } from './notifier.js';
import { PoisonBreaker, deliverIsolating, handOffWithRetry, isRecordRejection } from './isolate.js';
import type { AttemptOutcome, IsolationSteps } from './isolate.js';
import type {
  CloseReport,
  DurableQueueEvents,
  DurableQueueOptions,
  EnqueueOutcome,
  QueueHealth,
  QueueMode,
  QueueStats,
  ShedSpoolState,
} from './durable-queue-options.js';

export type {
  CloseReport,
  DurableQueueEvents,
  DurableQueueOptions,
  EnqueueOutcome,
  OverflowPolicy,
  QueueHealth,
  QueueMode,
  QueueStats,
  ShedSpoolState,
} from './durable-queue-options.js';
import { Spool } from './spool/spool.js';
import type { RecordQueue } from './ports.js';
import type { SpoolPosition } from './spool/spool.js';

const defaultEncode = (r: unknown): string => JSON.stringify(r);
const defaultDecode = (s: string): unknown => JSON.parse(s);
/**
 * Records the writer encodes per event-loop turn. One append (one fsync) still carries up to
 * four batches: an fsync costs the same for 1 000 records as for 20 000, and a writer that
 * appends small chunks falls behind a fast producer. Encoding them in one go would hold the
 * thread for tens of ms (20 000 raw events), so other work runs between slices.
 */
const ENCODE_SLICE_RECORDS = 1000;
const DELIVERED: AttemptOutcome = { kind: 'delivered' };
const FAILED: AttemptOutcome = { kind: 'failed' };

export class DurableQueue<T> implements RecordQueue<T> {
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
  /**
   * Records at the head of `buf` that the sink is taking from memory now. They are leaving, so
   * they do not count against maxMemoryRecords: a batching sink (one ClickHouse insert of
   * maxBatchRecords) would otherwise halve the room for records that arrive during its insert,
   * and a slow insert would shed or block with the spool idle.
   */
  private sending = 0;
  /**
   * Records at the head of `buf` that the memory-mode step owns: its batch, from the send until
   * the step has settled it (delivered, or failed and handed to the spool). The writer spools
   * what is behind them.
   */
  private memHead = 0;
  /**
   * The memory step's batch, copied to the spool because memory passed the spill threshold
   * while it was being sent (spilling mid-send, so a slow insert neither sheds nor blocks with
   * the spool idle). The copy goes first, so order holds either way: if the send succeeds the
   * step acknowledges the copy, and if it fails the pump re-sends it from the spool, first.
   */
  private headCopy: { readonly records: number; readonly done: Promise<SpoolPosition | null> } | null = null;
  private retryBatchSize: number | null = null;
  private attempt = 0;
  private closing = false;
  private closed: Promise<CloseReport> | null = null;
  private counters = { delivered: 0, shed: 0, spilled: 0, corrupt: 0, failures: 0, poisoned: 0 };
  /** Why the last delivery attempt failed; null once one succeeds. */
  private deliveryError: string | null = null;
  /** Why the last spool append failed; null once one succeeds. */
  private writerError: string | null = null;
  /** Why the last delivery-loop step failed on the spool (read, commit, reset); null once one completes. */
  private pumpError: string | null = null;
  private shedReportedAt = -Infinity;
  private shedSinceReport = 0;
  private readonly o: Required<
    Omit<
      DurableQueueOptions<T>,
      'spoolDir' | 'random' | 'encode' | 'decode' | 'logger' | 'clock' | 'onPoison' | 'maxPoisonPerMinute'
    >
  >;
  private readonly onPoison: DurableQueueOptions<T>['onPoison'];
  private readonly poisonBreaker: PoisonBreaker;
  /** What stepMemory and stepSpill share of the isolation loop; each adds its own settle. */
  private readonly steps: Omit<IsolationSteps<T>, 'settle'> = {
    attempt: (part) => this.sendOnce(part),
    handOff: (record, error) => this.handOff(record, error),
    onSplit: (size, error) =>
      this.logger.debug({ err: error, records: size }, 'sink refuses a record of this batch: splitting it'),
  };
  private readonly encode: (r: T) => string;
  private readonly decode: (s: string) => T;
  private readonly clock: Clock;
  private readonly logger: Logger;

  private constructor(
    options: DurableQueueOptions<T>,
    private readonly spool: Spool | null,
  ) {
    const maxMemoryRecords = options.maxMemoryRecords ?? SPOOL.memoryRecords;
    this.o = {
      name: options.name,
      deliver: options.deliver,
      maxMemoryRecords,
      spillThreshold: options.spillThreshold ?? Math.max(1, Math.floor(maxMemoryRecords / 2)),
      maxBatchRecords: options.maxBatchRecords ?? 500,
      lingerMs: options.lingerMs ?? 0,
      maxSpoolBytes: options.maxSpoolBytes ?? SPOOL.maxBytes,
      segmentBytes: options.segmentBytes ?? 8 * 1024 * 1024,
      overflow: options.overflow ?? 'block',
      retryPolicy: options.retryPolicy ?? DEFAULT_RETRY_POLICY,
    };
    this.onPoison = options.onPoison;
    this.poisonBreaker = new PoisonBreaker(
      options.maxPoisonPerMinute ?? CONFIG_DEFAULTS.sinks.poisonMaxPerMinute,
      60_000,
    );
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

  /**
   * Whether records can leave memory now: delivered to the sink or written to the spool. /ready
   * reads this, so a full disk under a failing sink shows as not ready instead of a silent stall.
   */
  health(): QueueHealth {
    const spoolFull = this.spool !== null && this.spool.bytes >= this.o.maxSpoolBytes;
    // In spill mode buffered records reach the sink only through the spool: a spool that cannot
    // be written holds them back even while the sink itself is fine.
    const canDeliver =
      this.deliveryError === null &&
      this.pumpError === null &&
      !(this.mode === 'spill' && this.writerError !== null && this.buf.length > 0);
    const spoolProblem =
      this.spool === null
        ? 'no spool'
        : (this.pumpError ??
          this.writerError ??
          (spoolFull ? `spool full (${this.o.maxSpoolBytes} bytes)` : null));
    const problems = [
      ...(this.deliveryError === null ? [] : [`cannot deliver: ${this.deliveryError}`]),
      ...(spoolProblem === null || spoolProblem === 'no spool' ? [] : [`cannot spool: ${spoolProblem}`]),
    ];
    return {
      mode: this.mode,
      canDeliver,
      canSpool: spoolProblem === null,
      ...(problems.length > 0 ? { detail: problems.join('; ') } : {}),
    };
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
    if (this.hasRoom() && this.roomWaiters.length === 0) {
      this.accept(record);
      return Promise.resolve('accepted');
    }
    if (this.o.overflow === 'shed') {
      this.counters.shed++;
      const spool = this.spoolState();
      this.events.emit('shed', { count: 1, record, spool });
      this.reportShed(spool);
      return Promise.resolve('shed');
    }
    return new Promise((resolve) => this.roomWaiters.push({ record, resolve }));
  }

  /** Resolves when enqueue() would accept a record without waiting. */
  async whenWritable(): Promise<void> {
    while (!this.hasRoom() || this.roomWaiters.length > 0) {
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
    this.work.notify(); // ends a linger: what is buffered goes now
    // Records already waiting for room were promised acceptance: take them; the spool holds them.
    for (const w of this.roomWaiters.splice(0)) {
      this.buf.push(w.record);
      w.resolve('accepted');
    }
    await this.flushWhileDelivering(timeoutMs);
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
        // A batch still being sent whose copy is already spooled is not written twice.
        const copied = this.headCopy !== null && (await this.headCopy.done) !== null ? this.memHead : 0;
        if (this.buf.length > copied) await this.spool.append(this.buf.slice(copied).map(this.encode));
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

  /**
   * close()'s flush: waits for delivery only while the sink is taking records. A sink that is
   * failing (the last attempt failed, or one fails now) will not recover within a shutdown, so
   * waiting out the timeout would only hold the process: the spool takes the rest at once.
   */
  private async flushWhileDelivering(timeoutMs: number): Promise<void> {
    if (this.isIdle()) return;
    let why: string | null = this.attempt > 0 ? 'sink failing' : null;
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const timer = this.clock.setTimeout(() => {
      why ??= `flush did not finish in ${timeoutMs} ms`;
      wake();
    }, timeoutMs);
    const off = this.events.on('deliveryFailed', () => {
      why ??= 'sink failing';
      wake();
    });
    try {
      while (why === null && !this.isIdle()) await Promise.race([this.idle.wait(), woken]);
    } finally {
      timer.cancel();
      off();
    }
    if (why !== null && !this.isIdle()) {
      this.logger.warn({ depth: this.depth, why }, `close: ${why}; persisting the rest to the spool`);
    }
  }

  private begin(): void {
    const rec = this.spool?.recovered;
    if (rec && rec.bytes > 0) {
      this.mode = 'spill';
      this.logger.warn({ ...rec }, 'recovered spool from a previous process; draining it first');
      this.events.emit('recovered', rec);
      this.events.emit('mode', { mode: 'spill', reason: 'recovered' });
    }
    this.pump = this.runPump();
  }

  /** Why memory is full although a spool exists, for the shed metric and log. */
  private spoolState(): ShedSpoolState {
    if (!this.spool) return 'none';
    if (this.writerError !== null) return 'failing';
    if (this.spool.bytes >= this.o.maxSpoolBytes) return 'full';
    return this.mode === 'spill' ? 'behind' : 'idle';
  }

  /** One warning per 10 s at most while shedding: how many, and what the spool did. */
  private reportShed(spool: ShedSpoolState): void {
    const now = this.clock.now();
    this.shedSinceReport++;
    if (now - this.shedReportedAt < 10_000) return;
    this.logger.warn(
      {
        shed: this.shedSinceReport,
        shedTotal: this.counters.shed,
        spool,
        spoolBytes: this.spool?.bytes ?? 0,
        spoolRecords: this.spool?.records ?? 0,
        maxSpoolBytes: this.o.maxSpoolBytes,
      },
      `queue full: shed ${this.shedSinceReport} records (spool ${spool})`,
    );
    this.shedReportedAt = now;
    this.shedSinceReport = 0;
  }

  /** Whether memory takes one more record: those waiting, not the batch being sent, are counted. */
  private hasRoom(): boolean {
    return this.buf.length - this.sending < this.o.maxMemoryRecords;
  }

  private accept(record: T): void {
    this.buf.push(record);
    if (this.mode === 'spill') {
      if (!this.writerMayRest()) this.kickWriter();
    } else if (this.memHead > 0 && this.spool && this.buf.length - this.memHead >= this.o.spillThreshold) {
      this.enterSpill('threshold');
    }
    this.work.notify();
  }

  /**
   * In spill mode, whether newer records may stay in memory instead of going to the spool: the
   * sink is taking records, the spool holds less than one batch, and memory is under the spill
   * threshold. Without this the way back to memory mode is a race the writer usually wins: it
   * appends each few new records (an fsync each) as fast as the pump reads them, the pump sends
   * those few as a batch, and a batching sink (ClickHouse) sees small inserts for seconds. Order
   * holds: what rests in memory is newer than all of the spool, which is delivered first.
   */
  private writerMayRest(): boolean {
    return (
      this.attempt === 0 &&
      this.deliveryError === null &&
      !this.closing &&
      this.buf.length < this.o.spillThreshold &&
      (this.spool?.records ?? 0) < this.o.maxBatchRecords
    );
  }

  private isIdle(): boolean {
    return this.depth === 0 && (this.spool?.isEmpty ?? true) && this.writer === null;
  }

  /** `n` records left memory (delivered, or spooled from `at`): admit waiters, wake flush(). */
  private released(n: number, at = 0): void {
    this.buf.splice(at, n);
    while (this.roomWaiters.length > 0 && this.hasRoom()) {
      const w = this.roomWaiters.shift();
      if (!w) break;
      this.accept(w.record);
      w.resolve('accepted');
    }
    this.room.notify();
    if (this.isIdle()) this.idle.notify();
  }

  /**
   * The delivery loop. A step that fails on the spool (a full disk refuses the cursor write, a
   * segment cannot be read) is retried with backoff rather than ending the loop, so delivery
   * resumes by itself once the disk has room again.
   */
  private async runPump(): Promise<void> {
    // The step is retried for as long as the queue runs: records must not be abandoned.
    const policy: RetryPolicy = { ...this.o.retryPolicy, maxAttempts: Infinity };
    while (!this.stop.signal.aborted) {
      let failures = 0;
      try {
        await retry(() => (this.mode === 'memory' ? this.stepMemory() : this.stepSpill()), {
          policy,
          label: 'spool step',
          signal: this.stop.signal,
          clock: this.clock,
          random: this.random,
          shouldRetry: () => !this.stop.signal.aborted,
          onRetry: ({ attempt, delayMs, error }) => {
            failures = attempt;
            this.pumpError = errorMessage(error);
            this.events.emit('spoolError', { error });
            this.logger.error({ err: error, attempt, delayMs }, 'spool step failed; retrying');
          },
        });
      } catch (error) {
        if (this.stop.signal.aborted) return;
        throw error;
      }
      if (this.pumpError !== null) {
        this.logger.info({ after: failures }, 'spool usable again; delivery from the spool resumed');
        this.pumpError = null;
      }
    }
  }

  private async stepMemory(): Promise<void> {
    if (this.spool && this.buf.length >= this.o.spillThreshold) return this.enterSpill('threshold');
    if (this.buf.length === 0) {
      this.idle.notify();
      await this.work.wait();
      return;
    }
    if (this.retryBatchSize === null) await this.linger();
    const n = Math.min(this.retryBatchSize ?? this.o.maxBatchRecords, this.buf.length);
    this.sending = n;
    this.memHead = n;
    let finished: boolean;
    try {
      finished = await deliverIsolating(this.buf.slice(0, n), {
        ...this.steps,
        settle: (count, delivered) => {
          this.sending = Math.max(0, this.sending - count);
          this.memHead -= count;
          this.released(count);
          if (delivered.length > 0)
            this.events.emit('delivered', { records: delivered, fromSpool: false, at: this.clock.now() });
          return Promise.resolve();
        },
      });
    } finally {
      this.sending = 0;
    }
    const copy = this.headCopy;
    const copiedTo = copy ? await copy.done : null;
    this.headCopy = null;
    if (copiedTo !== null && copy) {
      const spool = this.spool as Spool;
      if (finished) {
        // Delivered from memory: its copy, first in the spool, is acknowledged, not re-sent.
        this.memHead = 0;
        await spool.commit(copiedTo, copy.records);
        this.space.notify();
      } else {
        // The spool holds what is left of it, ahead of everything newer: it goes from there.
        const left = this.memHead;
        this.memHead = 0;
        this.counters.spilled += left;
        this.events.emit('spilled', { count: left });
        this.released(left);
      }
      return;
    }
    this.memHead = 0;
    if (!finished && this.spool && !this.stop.signal.aborted) {
      if (this.mode === 'spill') this.kickWriter();
      else this.enterSpill('sink failing');
    }
  }

  /** Wait up to lingerMs for a full batch; a re-send after a failure goes at once. */
  private async linger(): Promise<void> {
    const full = Math.min(this.o.maxBatchRecords, this.o.spillThreshold);
    if (this.o.lingerMs <= 0 || this.buf.length >= full) return;
    const timer = new AbortController();
    let expired = false;
    const timeout = this.clock.sleep(this.o.lingerMs, timer.signal).then(
      () => void (expired = true),
      () => undefined,
    );
    try {
      while (!expired && this.buf.length < full && !this.closing && !this.stop.signal.aborted)
        await Promise.race([this.work.wait(), timeout]);
    } finally {
      timer.abort();
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
    // Per decoded record: where it ends in the spool and how many payloads that covers, so a
    // finished prefix can be committed on its own.
    const marks: { end: SpoolPosition; payloads: number }[] = [];
    for (const [i, text] of batch.payloads.entries()) {
      try {
        records.push(this.decode(text));
        marks.push({ end: batch.ends[i] ?? batch.end, payloads: i + 1 });
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
        // A failed append is moot now: what it could not write went to the sink from memory
        // (it rested there on the way back), and a spill to come tries the disk afresh.
        this.writerError = null;
        this.logger.info('spool drained: back to memory mode');
        this.events.emit('mode', { mode: 'memory', reason: 'spool drained' });
        return;
      }
      await this.work.wait();
      return;
    }
    let done = 0;
    let committed = 0;
    const commitThrough = async (end: SpoolPosition, payloads: number): Promise<void> => {
      await spool.commit(end, payloads - committed);
      committed = payloads;
      this.space.notify();
    };
    const finished = await deliverIsolating(records, {
      ...this.steps,
      settle: async (count, delivered) => {
        done += count;
        const mark = marks[done - 1];
        // The last record's commit also covers damaged lines behind it.
        if (done === records.length || !mark) await commitThrough(batch.end, batch.payloads.length);
        else await commitThrough(mark.end, mark.payloads);
        if (delivered.length > 0)
          this.events.emit('delivered', { records: delivered, fromSpool: true, at: this.clock.now() });
      },
    });
    if (!finished || this.stop.signal.aborted) return;
    if (records.length === 0) await commitThrough(batch.end, batch.payloads.length);
    if (this.isIdle()) this.idle.notify();
  }

  /**
   * One attempt; on failure backs off (policy from core/retry) and remembers the batch size.
   * A refusal for good is reported at once (no backoff: re-sending the same batch cannot help).
   */
  private async sendOnce(batch: readonly T[]): Promise<AttemptOutcome> {
    this.inDeliver = true;
    try {
      await this.o.deliver(batch);
    } catch (error) {
      this.inDeliver = false;
      if (this.stop.signal.aborted) return FAILED;
      this.deliveryError = errorMessage(error);
      if (this.onPoison && isRecordRejection(error)) {
        this.deliveryError = null; // the sink answered: it is up
        // The sink answered, so it is up: the backoff for real failures starts afresh, unless
        // the poison breaker holds (then the refusals are the failure and the backoff grows).
        if (this.poisonBreaker.allows(this.clock.now())) this.attempt = 0;
        this.retryBatchSize = null;
        return { kind: 'rejected', error };
      }
      this.sending = 0; // the sink did not take it: the batch is waiting again, and counts
      await this.backOff(error, `delivery failed: ${errorMessage(error)}`, batch.length);
      return FAILED;
    }
    this.inDeliver = false;
    this.deliveryError = null;
    if (this.stop.signal.aborted) return FAILED; // close() owns the buffer now
    this.counters.delivered += batch.length;
    this.attempt = 0;
    this.retryBatchSize = null;
    return DELIVERED;
  }

  /** A failed attempt: count, log and report it (stalled past maxAttempts), then wait its backoff. */
  private async backOff(error: unknown, message: string, retryBatchSize: number | null): Promise<void> {
    this.counters.failures++;
    this.attempt++;
    this.retryBatchSize = retryBatchSize;
    const policy = this.o.retryPolicy;
    const exhausted = this.attempt >= policy.maxAttempts;
    const delayMs = exhausted ? policy.maxDelayMs : backoffDelay(policy, this.attempt, this.random);
    const level = isRetriable(error) ? 'warn' : 'error';
    this.logger[level]({ err: error, attempt: this.attempt, delayMs }, message);
    this.events.emit('deliveryFailed', { attempt: this.attempt, delayMs, error });
    // A failing sink: what rested in memory goes to the spool now.
    if (this.mode === 'spill') this.kickWriter();
    if (exhausted) this.events.emit('stalled', { attempts: this.attempt, error });
    await this.clock.sleep(delayMs, this.stop.signal).catch(() => undefined);
  }

  /** Hand a refused record to onPoison (retried until it succeeds); false when close() came first. */
  private async handOff(record: T, error: unknown): Promise<boolean> {
    if (!this.onPoison) return false; // unreachable: sendOnce reports refusals only with onPoison
    if (!this.poisonBreaker.allows(this.clock.now())) {
      await this.backOff(
        error,
        `sink refuses record after record (more than the poison limit per minute): treating it as a sink problem, not poison; records stay queued: ${errorMessage(error)}`,
        null,
      );
      return false;
    }
    const handed = await handOffWithRetry(record, error, {
      onPoison: this.onPoison,
      retryPolicy: this.o.retryPolicy,
      clock: this.clock,
      random: this.random,
      signal: this.stop.signal,
      logger: this.logger,
      busy: (on) => (this.inDeliver = on),
      onStalled: (attempts, err) => this.events.emit('stalled', { attempts, error: err }),
    });
    if (!handed) return false; // the record stays queued (the next process may hand it over again)
    this.poisonBreaker.record(this.clock.now());
    this.counters.poisoned++;
    this.logger.error(
      { err: error, code: 'SINK_RECORD_REJECTED' },
      `sink refuses a record for good; handed to the poison path: ${errorMessage(error)}`,
    );
    this.events.emit('poisoned', { record, error });
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

  private async encodeInSlices(records: readonly T[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < records.length; i += ENCODE_SLICE_RECORDS) {
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      for (const r of records.slice(i, i + ENCODE_SLICE_RECORDS)) out.push(this.encode(r));
    }
    return out;
  }

  private async runWriter(spool: Spool): Promise<void> {
    let failures = 0;
    while (this.mode === 'spill' && !this.stop.signal.aborted && !this.writerMayRest()) {
      // The memory step's batch goes first, as a copy (it is still being sent); what is behind
      // it is moved. Nothing behind it is written before its copy is on disk.
      const copyHead = this.memHead > 0 && this.headCopy === null;
      if (!copyHead && this.buf.length <= this.memHead) return;
      if (spool.bytes >= this.o.maxSpoolBytes) {
        await this.space.wait();
        continue;
      }
      const from = copyHead ? 0 : this.memHead;
      const n = copyHead ? this.memHead : Math.min(this.buf.length - from, this.o.maxBatchRecords * 4);
      const records = this.buf.slice(from, from + n);
      // Claimed before the first await: a send that settles while the copy is being written
      // waits for the copy's outcome instead of missing it.
      let settleCopy: (end: SpoolPosition | null) => void = () => undefined;
      if (copyHead) {
        const done = new Promise<SpoolPosition | null>((resolve) => (settleCopy = resolve));
        this.headCopy = { records: n, done };
      }
      try {
        const end = await spool.append(await this.encodeInSlices(records));
        settleCopy(end);
        if (this.writerError !== null) this.logger.info('spool writes succeed again');
        this.writerError = null;
        failures = 0;
      } catch (error) {
        if (copyHead) this.headCopy = null;
        settleCopy(null);
        failures++;
        this.writerError = errorMessage(error);
        this.events.emit('spoolError', { error });
        this.logger.error({ err: error }, 'spool write failed; records stay in memory');
        const delayMs = backoffDelay(this.o.retryPolicy, failures, this.random);
        await this.clock.sleep(delayMs, this.stop.signal).catch(() => undefined);
        continue;
      }
      if (copyHead) continue; // the copy stays in memory too, until the send is settled
      this.counters.spilled += n;
      this.events.emit('spilled', { count: n });
      // Behind the memory step's batch, wherever it is now (settled records left the head).
      this.released(n, this.memHead);
      this.work.notify();
    }
  }
}
