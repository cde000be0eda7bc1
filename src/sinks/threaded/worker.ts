/**
 * The sink thread: a DurableQueue and its signal sink (Kafka, or the local file) on a worker
 * thread of their own. Why: on the main thread, a produce response waits in its socket while
 * the pipeline works through a burst of frames, and the next batch waits for that response
 * (one batch in flight). Measured at 2 000 signals/s: the broker answered a produce request in
 * p99 2.8 ms (its request log), the main thread saw p99 18 ms. Here the loop is idle but for
 * the sink, so a response is read when it lands and the next batch leaves at once.
 *
 * The queue is the ordinary DurableQueue (order, spill to the fsync'd spool, poison isolation,
 * retry): the main thread only forwards records in, and events, state and logs out.
 */
import { parentPort } from 'node:worker_threads';
import { CONFIG_DEFAULTS } from '../../config/index.js';
import { DurableQueue } from '../durable-queue.js';
import type { DurableQueueEvents } from '../durable-queue-options.js';
import { LocalSignalLog } from '../local/local-sinks.js';
import type { SignalPublisher } from '../ports.js';
import type { FromWorker, ThreadedQueueSpec, ThreadedSinkSpec, ToWorker, WorkerState } from './messages.js';
import { forwardingLogger } from './forwarding-logger.js';
import { watchGcPauses } from './gc-pauses.js';
import { plainFields, toPlainError } from './plain.js';
import { decodeItem, encodeItem, refOf, unpackRecords } from './wire.js';
import type { Item } from './wire.js';

const port = parentPort;
if (!port) throw new Error('the sink worker runs on a worker thread (threaded-queue.ts starts it)');

/** Events forwarded to the main thread (all of DurableQueueEvents). */
const EVENTS: readonly (keyof DurableQueueEvents<Item>)[] = [
  'delivered',
  'spilled',
  'shed',
  'deliveryFailed',
  'stalled',
  'poisoned',
  'corrupt',
  'recovered',
  'mode',
  'spoolError',
];

const post = (m: FromWorker): void => port.postMessage(m);
let queue: DurableQueue<Item> | null = null;
let maxMemoryRecords = Infinity;
let sink: (SignalPublisher & { configError?: () => string | null }) | null = null;
let received = 0;
let poisonSeq = 0;
const poisonWaiters = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
let closing: Promise<void> | null = null;
/** Stops reporting GC pauses (and sends the last ones); set once the queue is open. */
let stopGcWatch: (() => void) | null = null;

function state(): WorkerState {
  const q = queue as DurableQueue<Item>;
  return { received, stats: q.stats(), health: q.health(), configError: sink?.configError?.() ?? null };
}

async function init(spec: ThreadedSinkSpec, q: ThreadedQueueSpec, levels: readonly string[]): Promise<void> {
  const logger = forwardingLogger(post, new Set(levels));
  if (spec.kind === 'kafka') {
    const kafka = await import('../kafka/index.js');
    const publisher = kafka.createKafkaSignalPublisher({
      ...spec.connection,
      topic: spec.topic,
      createTopic: spec.createTopic,
      ...(spec.maxMessageBytes === undefined ? {} : { maxMessageBytes: spec.maxMessageBytes }),
      logger,
    });
    // Connected before the first signal, which would otherwise wait for it with those behind it.
    void publisher.producer.warmUp();
    sink = Object.assign(publisher, { configError: () => publisher.producer.configError() });
  } else {
    sink = new LocalSignalLog({ path: spec.path });
  }
  const publisher = sink;
  maxMemoryRecords = q.maxMemoryRecords ?? CONFIG_DEFAULTS.sinks.spool.memoryRecords;
  queue = await DurableQueue.open<Item>({
    name: q.name,
    deliver: async (batch) => {
      const t0 = performance.now();
      await publisher.publish(batch.map((item) => item.record));
      post({ t: 'publishLatency', seconds: (performance.now() - t0) / 1000 });
    },
    ...(q.spoolDir === undefined ? {} : { spoolDir: q.spoolDir }),
    ...(q.maxMemoryRecords === undefined ? {} : { maxMemoryRecords: q.maxMemoryRecords }),
    ...(q.spillThreshold === undefined ? {} : { spillThreshold: q.spillThreshold }),
    ...(q.maxBatchRecords === undefined ? {} : { maxBatchRecords: q.maxBatchRecords }),
    ...(q.lingerMs === undefined ? {} : { lingerMs: q.lingerMs }),
    ...(q.maxSpoolBytes === undefined ? {} : { maxSpoolBytes: q.maxSpoolBytes }),
    ...(q.overflow === undefined ? {} : { overflow: q.overflow }),
    ...(q.retryPolicy === undefined ? {} : { retryPolicy: q.retryPolicy }),
    ...(q.maxPoisonPerMinute === undefined ? {} : { maxPoisonPerMinute: q.maxPoisonPerMinute }),
    ...(q.poison ? { onPoison: handOffPoison } : {}),
    encode: encodeItem,
    decode: decodeItem,
    logger,
  });
  const open = queue;
  stopGcWatch = watchGcPauses((pauses) => post({ t: 'gc', pauses }));
  for (const name of EVENTS) {
    open.events.on(name, (payload) =>
      post({ t: 'event', name, payload: eventFields(name, payload), state: state() }),
    );
  }
}

/** An event's fields for the main thread: records by reference (wire.ts), errors plain. */
function eventFields(name: string, payload: unknown): Record<string, unknown> {
  const { records, record, ...rest } = payload as Record<string, unknown> & {
    records?: readonly Item[];
    record?: Item;
  };
  const out = plainFields(rest);
  if (name === 'delivered') {
    // The ack instant on a clock both threads share, to the microsecond (threaded-queue.ts).
    out['at'] = performance.timeOrigin + performance.now();
    out['refs'] = (records ?? []).map(refOf);
  }
  if (record !== undefined) out['ref'] = refOf(record);
  return out;
}

/** A refused record goes to the main thread's onPoison; the queue keeps it until that resolves. */
function handOffPoison(item: Item, error: unknown): Promise<void> {
  const id = ++poisonSeq;
  return new Promise<void>((resolve, reject) => {
    poisonWaiters.set(id, { resolve, reject });
    post({ t: 'poison', id, ref: refOf(item), error: toPlainError(error) });
  });
}

async function call(
  id: number,
  op: 'flush' | 'close' | 'ping',
  timeoutMs: number | undefined,
): Promise<void> {
  const q = queue as DurableQueue<Item>;
  try {
    if (op === 'flush') {
      await q.flush(timeoutMs);
      post({ t: 'reply', id });
    } else if (op === 'ping') {
      post({ t: 'reply', id, value: await (sink as SignalPublisher).ping() });
    } else {
      closing ??= (async () => {
        const report = await q.close(timeoutMs);
        await (sink as SignalPublisher).close();
        stopGcWatch?.();
        post({ t: 'reply', id, value: report });
      })();
      await closing;
    }
  } catch (err) {
    post({ t: 'reply', id, error: toPlainError(err) });
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'init':
      init(m.sink, m.queue, m.logLevels).then(
        () => post({ t: 'ready', state: state() }),
        (err: unknown) => post({ t: 'initFailed', error: toPlainError(err) }),
      );
      return;
    case 'records': {
      const q = queue as DurableQueue<Item>;
      const items = unpackRecords(m.flat, m.first);
      // The main thread keeps within the memory bound from the state it was last sent, so these
      // are normally accepted at once; if not, enqueue's own wait (or shed) applies, in order.
      for (const item of items) void q.enqueue(item).catch(() => undefined);
      received += items.length;
      // Deliveries carry the state anyway; a message per batch only while memory fills up,
      // when the main thread's estimate must keep up.
      if (q.depth >= maxMemoryRecords / 2) post({ t: 'state', state: state() });
      return;
    }
    case 'call':
      void call(m.id, m.op, m.timeoutMs);
      return;
    case 'poisonDone': {
      const w = poisonWaiters.get(m.id);
      poisonWaiters.delete(m.id);
      if (m.error === undefined) w?.resolve();
      else w?.reject(new Error(m.error));
      return;
    }
  }
});
