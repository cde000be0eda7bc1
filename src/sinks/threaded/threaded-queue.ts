/**
 * ThreadedQueue: the RecordQueue port with the queue and its sink on a worker thread
 * (worker.ts says why). What the pipeline sees is what a DurableQueue does: enqueue in order,
 * `delivered` events in order (with the sink's own acknowledgement time), `poisoned`, `shed`,
 * `mode`, stats and health, flush and close. Records cross in one message per event-loop turn.
 *
 * Memory bound: the thread reports its queue depth and how many records it has taken; this
 * side counts what it sent since, and applies the overflow policy (wait, or shed) to their sum,
 * so the bound holds across both threads without a round trip per record.
 *
 * The thread exiting by itself (a bug, or out of memory) is fatal: records in its memory are
 * gone, and only a restart re-derives them (cursors are ack-gated). `onThreadExit` decides;
 * the default throws, so the process ends and its supervisor restarts it.
 */
import type { Worker } from 'node:worker_threads';
import { SinkError, TimeoutError, TypedEmitter, errorMessage, silentLogger } from '../../core/index.js';
import type { Logger } from '../../core/index.js';
import type {
  CloseReport,
  DurableQueueEvents,
  EnqueueOutcome,
  QueueHealth,
  QueueStats,
} from '../durable-queue-options.js';
import { Notifier } from '../notifier.js';
import type { RecordQueue, SinkRecord } from '../ports.js';
import type { GcKind } from './gc-pauses.js';
import type { FromWorker, ThreadedQueueSpec, ThreadedSinkSpec, ToWorker, WorkerState } from './messages.js';
import { fromPlainError } from './plain.js';
import { packRecords } from './wire.js';
import type { RecordRef } from './wire.js';
import { startSinkWorker } from './start-worker.js';
import { CONFIG_DEFAULTS } from '../../config/index.js';

/**
 * Records cross to the thread once per event-loop turn; a turn longer than this (ms) posts what
 * it enqueued so far instead of holding it to the end. Since signals are enqueued as they are
 * derived (mid-turn), 1 ms posted about twice per long turn as often as 2 ms: six alternating
 * bench pairs at ~1 950 signals/s gave frames sent -> on Kafka p99 median 47 ms at 1 ms against
 * 38.5 at 2 ms (each post wakes the sink thread, which competes with this one for a core), and
 * receipt -> ack p99 21 against 20.5, at 0.45 ms more p50.
 */
export const OUTBOX_MAX_WAIT_MS = 2;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const DEFAULT_MAX_MEMORY_RECORDS = CONFIG_DEFAULTS.sinks.spool.memoryRecords;
/** How long past its own timeout close() waits for the thread (its producers' grace is 1 s). */
const CLOSE_MARGIN_MS = 5_000;

export interface ThreadedQueueOptions {
  readonly sink: ThreadedSinkSpec;
  readonly queue: Omit<ThreadedQueueSpec, 'poison'>;
  /** Where a record the sink refuses for good goes (as DurableQueueOptions.onPoison). */
  readonly onPoison?: (record: SinkRecord, error: unknown) => Promise<void>;
  /** Duration of every successful sink call. */
  readonly onPublishLatency?: (seconds: number) => void;
  /** Every garbage-collection pause of the sink thread (reported about once a second). */
  readonly onGcPause?: (kind: GcKind, seconds: number) => void;
  /** The thread ended without close(). Default: throw (the process ends). */
  readonly onThreadExit?: (error: Error) => void;
  readonly logger?: Logger;
}

export class ThreadedQueue implements RecordQueue<SinkRecord> {
  readonly events: TypedEmitter<DurableQueueEvents<SinkRecord>>;
  private readonly logger: Logger;
  private readonly maxMemory: number;
  private readonly shedOnFull: boolean;
  private outbox: SinkRecord[] = [];
  private outboxScheduled = false;
  /** When the oldest record of the outbox was enqueued (performance.now()). */
  private outboxSince = 0;
  private posted = 0;
  /** Records sent to the thread and not yet delivered, poisoned or shed, by number (wire.ts). */
  private readonly pending = new Map<number, SinkRecord>();
  private localShed = 0;
  private readonly waiters: { record: SinkRecord; resolve: (o: EnqueueOutcome) => void }[] = [];
  private readonly room = new Notifier();
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private callSeq = 0;
  private closing = false;
  private closed: Promise<CloseReport> | null = null;
  private exited: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly o: ThreadedQueueOptions,
    private state: WorkerState,
  ) {
    this.logger = (o.logger ?? silentLogger).child({ component: 'sink.thread', queue: o.queue.name });
    this.events = new TypedEmitter(this.logger);
    this.maxMemory = o.queue.maxMemoryRecords ?? DEFAULT_MAX_MEMORY_RECORDS;
    this.shedOnFull = o.queue.overflow === 'shed';
  }

  /** Start the thread, open its queue (recovering a spool left behind) and its sink. */
  static async open(o: ThreadedQueueOptions): Promise<ThreadedQueue> {
    const worker = startSinkWorker();
    const logger = o.logger ?? silentLogger;
    const init: ToWorker = {
      t: 'init',
      sink: o.sink,
      queue: { ...o.queue, poison: o.onPoison !== undefined },
      logLevels: LEVELS.filter((l) => logger.isLevelEnabled(l)),
    };
    const first = await new Promise<WorkerState>((resolve, reject) => {
      const onMessage = (m: FromWorker): void => {
        if (m.t === 'ready') resolve(m.state);
        else if (m.t === 'initFailed') reject(fromPlainError(m.error));
        else if (m.t === 'log') relayLog(logger, m);
        else return;
        if (m.t !== 'log') cleanUp();
      };
      const onError = (err: Error): void => {
        cleanUp();
        reject(err);
      };
      const onExit = (code: number): void => {
        cleanUp();
        reject(new SinkError('SINK_UNAVAILABLE', `sink thread exited with code ${code} while starting`));
      };
      const cleanUp = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(init);
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    const q = new ThreadedQueue(worker, o, first);
    q.attach();
    return q;
  }

  get depth(): number {
    return this.inMemory() + this.waiters.length;
  }

  enqueue(record: SinkRecord): Promise<EnqueueOutcome> {
    if (this.closing || this.exited) {
      const why = this.exited ? `its thread ended: ${this.exited.message}` : 'it is closed';
      return Promise.reject(
        new SinkError('SINK_UNAVAILABLE', `queue ${this.o.queue.name} is closed: ${why}`),
      );
    }
    if (this.waiters.length === 0 && this.inMemory() < this.maxMemory) {
      this.send(record);
      return Promise.resolve('accepted');
    }
    if (this.shedOnFull) {
      this.localShed++;
      this.events.emit('shed', {
        count: 1,
        record,
        spool: this.state.stats.mode === 'spill' ? 'behind' : 'idle',
      });
      return Promise.resolve('shed');
    }
    return new Promise((resolve) => this.waiters.push({ record, resolve }));
  }

  async whenWritable(): Promise<void> {
    while (!this.closing && (this.waiters.length > 0 || this.inMemory() >= this.maxMemory))
      await this.room.wait();
  }

  async flush(timeoutMs = 30_000): Promise<void> {
    // Records still waiting here for room were enqueued before this flush too: they must reach
    // the thread (as the thread's state makes room) before its own flush can cover them.
    const deadline = Date.now() + timeoutMs;
    while (this.waiters.length > 0 && !this.exited) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new TimeoutError(`queue ${this.o.queue.name}: flush did not finish in ${timeoutMs} ms`, {
          context: { depth: this.depth, waiting: this.waiters.length },
        });
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.room.wait(), new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
    this.postOutbox();
    await this.call('flush', Math.max(1, deadline - Date.now()));
  }

  close(timeoutMs = 10_000): Promise<CloseReport> {
    this.closed ??= (async () => {
      this.closing = true;
      // Records already waiting for room were promised acceptance: the thread's spool takes them.
      for (const w of this.waiters.splice(0)) {
        this.outbox.push(w.record);
        w.resolve('accepted');
      }
      this.room.notify();
      this.postOutbox();
      // What the thread held in memory when it died is gone (the spool it wrote is not).
      if (this.exited) return { spooled: this.state.stats.spoolRecords, lost: this.inMemory() };
      // The thread's close is bounded (its flush by timeoutMs, the producers' by a grace);
      // should it hang anyway, shutdown must not: give up on it after a margin.
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<CloseReport>((resolve) => {
        timer = setTimeout(() => {
          this.logger.error(
            { timeoutMs: timeoutMs + CLOSE_MARGIN_MS },
            'sink thread did not close in time; stopping it (records it held in memory are re-derived on restart)',
          );
          resolve({ spooled: this.state.stats.spoolRecords, lost: this.inMemory() });
        }, timeoutMs + CLOSE_MARGIN_MS);
      });
      try {
        return await Promise.race([this.call('close', timeoutMs) as Promise<CloseReport>, hung]);
      } finally {
        clearTimeout(timer);
        await this.worker.terminate();
      }
    })();
    return this.closed;
  }

  stats(): QueueStats {
    const s = this.state.stats;
    return { ...s, depth: this.depth, shed: s.shed + this.localShed };
  }

  health(): QueueHealth {
    if (this.exited) {
      return {
        mode: this.state.health.mode,
        canDeliver: false,
        canSpool: false,
        detail: `sink thread ended: ${this.exited.message}`,
      };
    }
    return this.state.health;
  }

  /** The sink's reachability (for /ready). Never throws. */
  async ping(): Promise<boolean> {
    if (this.exited || this.closing) return false;
    try {
      return (await this.call('ping')) === true;
    } catch {
      return false;
    }
  }

  /** A configuration the sink refuses (e.g. a topic Kafka will not create), or null. */
  configError(): string | null {
    return this.state.configError;
  }

  /** Records in memory on either side: queued there, on the way, and not yet sent. */
  private inMemory(): number {
    return this.state.stats.depth + (this.posted - this.state.received) + this.outbox.length;
  }

  private send(record: SinkRecord): void {
    const now = performance.now();
    if (this.outbox.length === 0) this.outboxSince = now;
    this.outbox.push(record);
    // A long turn (a burst of frames read at once) does not hold what it derived early on: the
    // thread sends it while this one works through the rest.
    if (now - this.outboxSince >= OUTBOX_MAX_WAIT_MS) return this.postOutbox();
    if (this.outboxScheduled) return;
    this.outboxScheduled = true;
    // One message per turn: everything the pipeline enqueued in it crosses together.
    queueMicrotask(() => {
      this.outboxScheduled = false;
      this.postOutbox();
    });
  }

  private postOutbox(): void {
    if (this.outbox.length === 0 || this.exited) return;
    const records = this.outbox;
    this.outbox = [];
    const first = this.posted;
    for (let i = 0; i < records.length; i++) this.pending.set(first + i, records[i] as SinkRecord);
    this.posted += records.length;
    this.worker.postMessage({ t: 'records', first, flat: packRecords(records) } satisfies ToWorker);
  }

  private call(op: 'flush' | 'close' | 'ping', timeoutMs?: number): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    const id = ++this.callSeq;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.worker.postMessage({ t: 'call', id, op, timeoutMs } satisfies ToWorker);
    });
  }

  private attach(): void {
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (err) => this.onExit(err));
    this.worker.on('exit', (code) => {
      if (!this.closing)
        this.onExit(new SinkError('SINK_UNAVAILABLE', `sink thread exited with code ${code}`));
    });
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'state':
        this.setState(m.state);
        return;
      case 'event':
        this.setState(m.state);
        this.emitEvent(m.name, m.payload);
        return;
      case 'reply': {
        const c = this.calls.get(m.id);
        this.calls.delete(m.id);
        if (m.error !== undefined) c?.reject(fromPlainError(m.error));
        else c?.resolve(m.value);
        return;
      }
      case 'poison':
        // Resolved without settling it: the `poisoned` event that follows the hand-off does.
        void this.handOff(m.id, this.resolve(m.ref, false), fromPlainError(m.error));
        return;
      case 'publishLatency':
        this.o.onPublishLatency?.(m.seconds);
        return;
      case 'gc':
        for (const p of m.pauses) this.o.onGcPause?.(p.kind, p.seconds);
        return;
      case 'log':
        relayLog(this.o.logger ?? silentLogger, m);
        return;
      case 'ready':
      case 'initFailed':
        return;
    }
  }

  private async handOff(id: number, record: SinkRecord, error: Error): Promise<void> {
    try {
      await this.o.onPoison?.(record, error);
      this.worker.postMessage({ t: 'poisonDone', id } satisfies ToWorker);
    } catch (err) {
      this.worker.postMessage({ t: 'poisonDone', id, error: errorMessage(err) } satisfies ToWorker);
    }
  }

  /**
   * `at` of a delivery, on this side's clock: the thread stamped it on the high-resolution clock
   * both threads share (timeOrigin + now); it is carried over as "that long ago", so a listener
   * comparing it with Date.now() gets the ack instant, not when this thread got round to it.
   */
  private ackedAt(payload: Record<string, unknown>): Record<string, unknown> {
    const ago = Math.max(0, performance.timeOrigin + performance.now() - (payload['at'] as number));
    return { ...payload, at: Date.now() - ago };
  }

  /** The event as a DurableQueue emits it: records for references, errors rebuilt. */
  private emitEvent(name: string, payload: Record<string, unknown>): void {
    const { ref, refs, ...fields } = payload as Record<string, unknown> & {
      ref?: RecordRef;
      refs?: readonly RecordRef[];
    };
    const out: Record<string, unknown> = fields;
    if (fields['error'] !== undefined && typeof fields['error'] === 'object')
      out['error'] = fromPlainError(fields['error'] as never);
    if (name === 'delivered') {
      out['records'] = (refs ?? []).map((r) => this.resolve(r, true));
      Object.assign(out, this.ackedAt(fields));
    }
    if (ref !== undefined) out['record'] = this.resolve(ref, true);
    this.events.emit(name as keyof DurableQueueEvents<SinkRecord>, out as never);
  }

  /** The record a reference names; `settle`: it has left the queue, forget it. */
  private resolve(ref: RecordRef, settle: boolean): SinkRecord {
    if (typeof ref !== 'number') return ref;
    const record = this.pending.get(ref);
    if (settle) this.pending.delete(ref);
    // Cannot happen (every number was sent from here); an empty record beats a crash in a listener.
    return record ?? { id: `#${ref}`, key: '', value: '', headers: {}, createdAt: 0 };
  }

  private setState(s: WorkerState): void {
    this.state = s;
    while (this.waiters.length > 0 && this.inMemory() < this.maxMemory) {
      const w = this.waiters.shift();
      if (!w) break;
      this.send(w.record);
      w.resolve('accepted');
    }
    this.room.notify();
  }

  private onExit(err: Error): void {
    if (this.exited) return;
    this.exited = err;
    this.logger.fatal(
      { err },
      `sink thread ended: ${err.message}; its records in memory are lost until a restart re-derives them`,
    );
    for (const c of this.calls.values()) c.reject(err);
    this.calls.clear();
    this.room.notify();
    const onThreadExit =
      this.o.onThreadExit ??
      ((e: Error) => {
        throw e;
      });
    onThreadExit(err);
  }
}

function relayLog(logger: Logger, m: Extract<FromWorker, { t: 'log' }>): void {
  const target = Object.keys(m.bindings).length > 0 ? logger.child(m.bindings) : logger;
  if (m.msg === undefined) target[m.level](m.obj);
  else target[m.level](m.obj, m.msg);
}
