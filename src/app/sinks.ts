/**
 * Builds the three sink paths from config, each behind its own DurableQueue (bounded memory,
 * fsync'd spool, ordered drain): signals (Kafka topic or local NDJSON log), raw events
 * (ClickHouse or local NDJSON store) and dead letters (DLQ topic or local file, plus the raw
 * store). Kafka and ClickHouse adapters are imported lazily so the local default loads
 * neither client library. With `sinks.poison: dead-letter` (the default) a record a sink
 * refuses for good is isolated and dead-lettered (sink-poison.ts) instead of stalling its queue.
 */
import { join } from 'node:path';
import type { Clock, DeadLetter, Logger, RawEvent } from '../core/index.js';
import { errorMessage, redactUrl } from '../core/index.js';
import type { ServiceConfig } from '../config/index.js';
import { rawQueueRoom } from './raw-queue-room.js';
import type {
  DeadLetterPublisher,
  HealthProbe,
  OverflowPolicy,
  RawEventReader,
  RawEventStore,
  RecordQueue,
  SignalPublisher,
  SinkRecord,
} from '../sinks/index.js';
import {
  DeadLetterRecorder,
  DurableQueue,
  LocalDeadLetterLog,
  LocalRawEventStore,
  LocalSignalLog,
  PoisonLog,
} from '../sinks/index.js';
import type { ThreadedSinkSpec } from '../sinks/threaded/index.js';
import { poisonHandlers } from './sink-poison.js';

export interface SinkSet {
  readonly signals: RecordQueue<SinkRecord>;
  readonly raw: DurableQueue<RawEvent>;
  readonly deadLetterQueue: DurableQueue<DeadLetter>;
  readonly deadLetters: DeadLetterRecorder;
  /** Where dead letters the DLQ itself refuses are kept (`poison.ndjson` in the spool dir). */
  readonly poisonLog: PoisonLog;
  /** The raw store as a reader, for replay. */
  readonly rawReader: RawEventReader;
  /** What /ready asks: every sink reachable, or its queue able to spool. */
  readonly probes: ReadonlyArray<{ readonly name: string; readonly probe: HealthProbe }>;
  /** Human description for the start-up log line. */
  readonly describe: string;
  /** Settings a sink refuses (e.g. a topic Kafka will not create): /ready is 503 while any. */
  configErrors(): string[];
  /** Flush and close queues, then the adapters. Idempotent. */
  close(timeoutMs: number): Promise<void>;
}

export interface BuildSinksDeps {
  readonly config: ServiceConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Duration of every successful sink call (publish latency histogram). */
  readonly onPublishLatency?: (sink: string, seconds: number) => void;
  /** Every garbage-collection pause of the signal sink's thread (sinks.kafka.sendThread). */
  readonly onSinkThreadGc?: (kind: string, seconds: number) => void;
  /**
   * False in a process that derives no signals (role `listeners`): its signal queue only drains
   * a spool an earlier role left, so it gets no thread and no producers until it has a record.
   */
  readonly derivesSignals?: boolean;
}

function overflowOf(shed: string): OverflowPolicy {
  return shed === 'never' ? 'block' : 'shed';
}

export async function buildSinks({
  config,
  logger,
  clock,
  onPublishLatency,
  onSinkThreadGc,
  derivesSignals = true,
}: BuildSinksDeps): Promise<SinkSet> {
  const k = config.sinks.kafka;
  const ch = config.sinks.clickhouse;
  const local = config.sinks.local;
  const spool = config.sinks.spool;
  const useKafka = k.brokers.length > 0;
  const useClickHouse = ch.url !== undefined;

  // Set when the signal queue and its producers run on their own thread (sinks.kafka.sendThread).
  let threadedSignals: ThreadedSinkSpec | null = null;
  let signalSink: SignalPublisher | null = null;
  let dlqSink: DeadLetterPublisher;
  let rawSink: RawEventStore & RawEventReader;
  const parts: string[] = [];

  if (useKafka) {
    const kafka = await import('../sinks/kafka/index.js');
    const connection = await kafka.kafkaConnection(k);
    const common = {
      ...connection,
      maxMessageBytes: k.maxMessageBytes,
      logger,
    };
    const create = k.createTopics
      ? { numPartitions: k.partitions, replicationFactor: k.replicationFactor }
      : (false as const);
    if (k.sendThread && derivesSignals) {
      threadedSignals = {
        kind: 'kafka',
        connection,
        topic: k.topic,
        createTopic: create,
        maxMessageBytes: k.maxMessageBytes,
      };
    } else {
      const kafkaSignals = kafka.createKafkaSignalPublisher({
        ...common,
        topic: k.topic,
        createTopic: create,
      });
      // Connected before the first signal, which would otherwise wait for it with those behind it.
      if (derivesSignals) void kafkaSignals.producer.warmUp();
      signalSink = kafkaSignals;
    }
    dlqSink = kafka.createKafkaDeadLetterPublisher({ ...common, topic: k.dlqTopic, createTopic: create });
    parts.push(
      `signals -> kafka ${k.brokers.join(',')} topic ${k.topic}${threadedSignals ? ' (own thread)' : ''}`,
      `dead letters -> ${k.dlqTopic}`,
    );
  } else {
    signalSink = new LocalSignalLog({ path: join(local.dir, 'signals.ndjson') });
    dlqSink = new LocalDeadLetterLog({ path: join(local.dir, 'dlq.ndjson') });
    parts.push(
      `signals -> ${join(local.dir, 'signals.ndjson')}`,
      `dead letters -> ${join(local.dir, 'dlq.ndjson')}`,
    );
  }

  if (useClickHouse && ch.url !== undefined) {
    const clickhouse = await import('../sinks/clickhouse/index.js');
    const store = clickhouse.createClickHouseRawEventStore({
      url: ch.url,
      username: ch.username,
      ...(ch.password === undefined ? {} : { password: ch.password }),
      database: ch.database,
      maxBatchRows: ch.batch.maxRows,
      // The raw-events queue below batches (lingerMs): the store sends each of its batches at once.
      maxBatchDelayMs: 0,
      clock,
      logger,
    });
    // Migrate now, while the listeners connect, rather than inside the first insert: at
    // 2 000 signals/s every second that insert waits is 6 000 raw events queued behind it.
    // A ClickHouse that is down now is tried again by that first insert, through the queue.
    void store.ensureSchema().catch((err: unknown) => {
      logger.warn({ err }, 'clickhouse schema not ready at start; the first insert tries again');
    });
    rawSink = store;
    parts.push(`raw events -> clickhouse ${redactUrl(ch.url)} db ${ch.database}`);
  } else {
    rawSink = new LocalRawEventStore({ path: join(local.dir, 'raw.ndjson') });
    parts.push(`raw events -> ${join(local.dir, 'raw.ndjson')}`);
  }

  const poisonLog = new PoisonLog({ path: join(spool.dir, 'poison.ndjson') });
  let recorderReady: (r: DeadLetterRecorder) => void = () => undefined;
  const poison = poisonHandlers({
    recorder: new Promise<DeadLetterRecorder>((resolve) => (recorderReady = resolve)),
    poisonLog,
    clock,
    logger,
  });
  // What every queue gets from the config, on this thread or the signal sink's own.
  const settings = (name: string, shed: string) => ({
    name,
    spoolDir: join(spool.dir, name),
    maxMemoryRecords: spool.memoryRecords,
    spillThreshold: spool.spillThresholdRecords,
    maxSpoolBytes: spool.maxBytes,
    overflow: overflowOf(shed),
    maxPoisonPerMinute: config.sinks.poisonMaxPerMinute,
  });
  const poisonOn = config.sinks.poison === 'dead-letter';
  const queue = <T>(
    name: string,
    deliver: (batch: readonly T[]) => Promise<void>,
    shed: string,
    onPoison: (record: T, error: unknown) => Promise<void>,
    overrides?: {
      maxBatchRecords: number;
      lingerMs: number;
      maxMemoryRecords: number;
      spillThreshold: number;
    },
  ) =>
    DurableQueue.open<T>({
      ...settings(name, shed),
      deliver: async (batch: readonly T[]) => {
        const t0 = clock.now();
        await deliver(batch);
        onPublishLatency?.(name, (clock.now() - t0) / 1000);
      },
      ...overrides,
      ...(poisonOn ? { onPoison } : {}),
      clock,
      logger,
    });

  // The signal queue on its own thread: the same DurableQueue and producers, the same settings.
  const threadedQueue = async (
    sink: ThreadedSinkSpec,
  ): Promise<RecordQueue<SinkRecord> & HealthProbe & ConfigErrorSource> => {
    const { ThreadedQueue } = await import('../sinks/threaded/index.js');
    return ThreadedQueue.open({
      sink,
      queue: settings('signals', spool.shed.signals),
      ...(poisonOn ? { onPoison: poison.signals } : {}),
      ...(onPublishLatency
        ? { onPublishLatency: (seconds: number) => onPublishLatency('signals', seconds) }
        : {}),
      ...(onSinkThreadGc ? { onGcPause: onSinkThreadGc } : {}),
      logger,
    });
  };

  // A spool left by a killed process is recovered here and drained before anything new.
  const [signals, raw, deadLetterQueue] = await Promise.all([
    threadedSignals !== null
      ? threadedQueue(threadedSignals)
      : queue<SinkRecord>(
          'signals',
          (b) => (signalSink as SignalPublisher).publish(b),
          spool.shed.signals,
          poison.signals,
        ),
    // One queue batch = one ClickHouse insert: the queue gathers up to maxRows for up to
    // maxIntervalMs, and its isolation re-sends after a refused row go out without that wait.
    queue<RawEvent>(
      'raw-events',
      (b) => rawSink.insert(b),
      spool.shed.raw,
      poison.raw,
      useClickHouse
        ? { maxBatchRecords: ch.batch.maxRows, lingerMs: ch.batch.maxIntervalMs, ...rawQueueRoom(config) }
        : undefined,
    ),
    queue<DeadLetter>('dead-letters', (b) => dlqSink.publish(b), spool.shed.deadLetters, poison.deadLetters),
  ]);
  // The threaded queue is its own sink's probe and closes it.
  const signalProbe: HealthProbe & ConfigErrorSource =
    signalSink ?? (signals as unknown as HealthProbe & ConfigErrorSource);
  const deadLetters = new DeadLetterRecorder({ dlq: deadLetterQueue, raw, clock, logger });
  recorderReady(deadLetters);

  let closing: Promise<void> | null = null;
  const log = logger.child({ component: 'app.sinks' });
  return {
    signals,
    raw,
    deadLetterQueue,
    deadLetters,
    poisonLog,
    rawReader: rawSink,
    probes: [
      { name: useKafka ? 'kafka' : 'local-signals', probe: signalProbe },
      { name: useClickHouse ? 'clickhouse' : 'local-raw', probe: rawSink },
      { name: useKafka ? 'kafka-dlq' : 'local-dlq', probe: dlqSink },
    ],
    describe: parts.join('; '),
    configErrors: () =>
      [signalProbe, dlqSink].map((sink) => configErrorOf(sink)).filter((e): e is string => e !== null),
    close(timeoutMs: number): Promise<void> {
      closing ??= (async () => {
        // Queues first (flush to the sinks, or leave the rest fsync'd in the spool), then adapters.
        // A queue's refused records go on to the ones after it (signals -> raw events and DLQ,
        // raw events -> DLQ), so each closes before the queues it feeds.
        for (const [name, q] of [
          ['signals', signals],
          ['raw-events', raw],
          ['dead-letters', deadLetterQueue],
        ] as const) {
          try {
            const report = await q.close(timeoutMs);
            log.info({ queue: name, report }, 'sink queue closed');
          } catch (err) {
            log.error({ err, queue: name }, `closing sink queue failed: ${errorMessage(err)}`);
          }
        }
        for (const s of [signalSink, dlqSink, rawSink, poisonLog]) {
          if (s === null) continue;
          try {
            await s.close();
          } catch (err) {
            log.error({ err }, `closing sink adapter failed: ${errorMessage(err)}`);
          }
        }
      })();
      return closing;
    },
  };
}

interface ConfigErrorSource {
  configError?(): string | null;
}

/** A Kafka publisher's (or the threaded signal queue's) topic configuration error; local sinks have none. */
function configErrorOf(sink: object): string | null {
  const own = (sink as ConfigErrorSource).configError?.();
  if (own !== undefined) return own;
  const producer = (sink as { producer?: ConfigErrorSource }).producer;
  return producer?.configError?.() ?? null;
}
