/**
 * createSignalConsumer: the reference consumer of the signal topic (contracts/SIGNALS.md,
 * "Consuming"). Per message, in partition order: validate (an invalid record goes to onInvalid,
 * never crashes), dedupe on signalId, check the per-key position chain (a break goes to
 * onChainBreak before onSignal), await onSignal, and only then remember the id, advance the
 * chain and mark the offset handled. Only handled offsets are committed (committer.ts: every
 * commitIntervalMs or commitThreshold messages, and at stop()), so a commit never covers a
 * signal whose handler did not resolve. A handler that throws makes kafkajs retry from the first unhandled offset (with
 * its back-off, then a consumer restart): the partition waits, nothing is skipped.
 *
 * This file is the only one here that touches kafkajs.
 */
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import type { Consumer, KafkaMessage, LogEntry, SASLOptions } from 'kafkajs';
import { errorMessage, silentLogger } from '../core/index.js';
import type { Logger } from '../core/index.js';
import { signalKey } from '../positions/signal-contract.js';
import { PositionChain } from './chain.js';
import type { ChainBreak } from './chain.js';
import { decodeSignal } from './decode.js';
import type { InvalidReason, ReceivedSignal } from './decode.js';
import { OffsetCommitter } from './committer.js';
import { DedupeWindow } from './dedupe.js';
import type { SignalDedupe } from './dedupe.js';
import { SignalConsumerSettings } from './settings.js';
import type { SignalConsumerSettingsInput } from './settings.js';

export interface SignalContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  /**
   * The record's Kafka timestamp (ms since the epoch): when the service produced it, or when the
   * broker appended it on a topic with `message.timestamp.type=LogAppendTime`.
   */
  readonly timestamp: number;
  /** Set when this signal broke the chain (already reported to onChainBreak). */
  readonly chainBreak: ChainBreak | null;
}

export interface InvalidMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: string | null;
  readonly reason: InvalidReason;
  /** Human-readable problems, e.g. `action: Invalid option: expected one of ...`. */
  readonly problems: readonly string[];
}

type MaybePromise = void | Promise<void>;

export interface SignalConsumerOptions extends SignalConsumerSettingsInput {
  readonly onSignal: (signal: ReceivedSignal, ctx: SignalContext) => MaybePromise;
  /** Default: a warning through `logger`, else on stderr. The offset is committed past it either way. */
  readonly onInvalid?: (message: InvalidMessage) => MaybePromise;
  /** Default: a warning through `logger`, else on stderr. onSignal still receives the signal afterwards. */
  readonly onChainBreak?: (chainBreak: ChainBreak) => MaybePromise;
  readonly onDuplicate?: (signal: ReceivedSignal, ctx: Omit<SignalContext, 'chainBreak'>) => MaybePromise;
  /** kafkajs gave up for good (no restart); the consumer is stopped. Default: logged / stderr. */
  readonly onError?: (error: unknown) => void;
  /** Share or persist dedupe state (see dedupe.ts). Default: a DedupeWindow of `dedupeWindow`. */
  readonly dedupe?: SignalDedupe;
  /** Share or seed chain state. Default: empty (the first signal per key starts the chain). */
  readonly chain?: PositionChain;
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: SASLOptions;
  readonly logger?: Logger;
}

export interface PartitionLag {
  readonly partition: number;
  readonly highWatermark: number;
  /** Where the group resumes after a restart; -1 when nothing is committed. */
  readonly committed: number;
  /** Next offset after the last message handled by this process; -1 before the first. */
  readonly handled: number;
  /** Messages not handled yet: highWatermark - max(committed, handled). */
  readonly lag: number;
}

export interface SignalConsumerStats {
  readonly signals: number;
  readonly duplicates: number;
  readonly invalid: number;
  readonly chainBreaks: number;
}

export interface SignalConsumer {
  /** Connects, joins the group and starts consuming; resolves once running. */
  start(): Promise<void>;
  /** Finishes the message in hand, commits what was handled, leaves the group. Idempotent. */
  stop(): Promise<void>;
  /** Per-partition lag against the high watermarks (one admin round trip). */
  lag(): Promise<PartitionLag[]>;
  stats(): SignalConsumerStats;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

function text(b: Buffer | null | undefined): string | null {
  return b === null || b === undefined ? null : b.toString('utf8');
}

export function createSignalConsumer(options: SignalConsumerOptions): SignalConsumer {
  const s = SignalConsumerSettings.parse({
    brokers: options.brokers,
    groupId: options.groupId,
    topic: options.topic,
    clientId: options.clientId,
    start: options.start,
    dedupeWindow: options.dedupeWindow,
    commit: options.commit,
    commitIntervalMs: options.commitIntervalMs,
    commitThreshold: options.commitThreshold,
    sessionTimeoutMs: options.sessionTimeoutMs,
    connectionTimeoutMs: options.connectionTimeoutMs,
  });
  const log = (options.logger ?? silentLogger).child({ component: 'signal-consumer', topic: s.topic });
  const dedupe = options.dedupe ?? new DedupeWindow(s.dedupeWindow);
  const chain = options.chain ?? new PositionChain();
  // Without a handler or a logger, problems still surface: one JSON line on stderr each.
  const report = (level: 'warn' | 'error', fields: Record<string, unknown>, msg: string): void => {
    if (options.logger) log[level](fields, msg);
    else process.stderr.write(`${JSON.stringify({ level, component: 'signal-consumer', msg, ...fields })}\n`);
  };
  const warn = (fields: Record<string, unknown>, msg: string): void => report('warn', fields, msg);
  const onInvalid =
    options.onInvalid ??
    ((m: InvalidMessage) =>
      warn(
        { partition: m.partition, offset: m.offset, reason: m.reason, problems: m.problems },
        'invalid signal',
      ));
  const onChainBreak =
    options.onChainBreak ??
    ((b: ChainBreak) =>
      warn(
        {
          key: b.key,
          expected: b.expectedPreviousPosition,
          previousPosition: b.previousPosition,
          position: b.position,
        },
        'position chain break',
      ));
  const stats = { signals: 0, duplicates: 0, invalid: 0, chainBreaks: 0 };
  let consumer: Consumer | null = null;
  const committer = new OffsetCommitter({
    intervalMs: s.commitIntervalMs,
    threshold: s.commitThreshold,
    commit: async (offsets) => {
      await consumer?.commitOffsets(
        [...offsets].map(([partition, offset]) => ({ topic: s.topic, partition, offset: String(offset) })),
      );
    },
    // Not fatal: the next member re-reads what was not committed and dedupe absorbs what it still holds.
    onError: (e) => log.warn({ err: e }, `offset commit failed: ${errorMessage(e)}`),
  });
  const handled = committer.handled;

  const kafka = new Kafka({
    clientId: s.clientId,
    brokers: s.brokers,
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
    connectionTimeout: s.connectionTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry): void => {
        const method = LEVELS[level] ?? 'debug';
        const { message, ...rest } = entry;
        log[method]({ ...rest, namespace }, message);
      },
  });
  let stopping: Promise<void> | null = null;
  let inFlight: Promise<void> = Promise.resolve();

  async function handle(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const decoded = decodeSignal({ key: message.key, value: message.value, headers: message.headers });
    if (!decoded.ok) {
      stats.invalid++;
      await onInvalid({
        topic,
        partition,
        offset: message.offset,
        key: text(message.key),
        value: text(message.value),
        reason: decoded.reason,
        problems: decoded.problems,
      });
      return;
    }
    const signal = decoded.signal;
    const key = signalKey(signal.influencerId, signal.market);
    const base = { topic, partition, offset: message.offset, key, timestamp: Number(message.timestamp) };
    if (await dedupe.has(signal.signalId)) {
      stats.duplicates++;
      await options.onDuplicate?.(signal, base);
      return;
    }
    const expected = chain.check(key, signal);
    let chainBreak: ChainBreak | null = null;
    if (expected !== null) {
      chainBreak = {
        key,
        influencerId: signal.influencerId,
        market: signal.market,
        expectedPreviousPosition: expected,
        previousPosition: signal.previousPosition,
        position: signal.position,
        signal,
        topic,
        partition,
        offset: message.offset,
      };
      stats.chainBreaks++;
      await onChainBreak(chainBreak);
    }
    await options.onSignal(signal, { ...base, chainBreak });
    // Only now: a handler that threw leaves no trace, so the redelivery is handled afresh.
    await dedupe.add(signal.signalId);
    chain.advance(key, signal);
    stats.signals++;
  }

  async function seekSince(c: Consumer, since: number): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const at = await admin.fetchTopicOffsetsByTimestamp(s.topic, since);
      const high = new Map((await admin.fetchTopicOffsets(s.topic)).map((p) => [p.partition, p.high]));
      for (const p of at) {
        // -1: no message at or after `since` in this partition; start at its end.
        const offset = Number(p.offset) < 0 ? (high.get(p.partition) ?? p.offset) : p.offset;
        c.seek({ topic: s.topic, partition: p.partition, offset });
      }
    } finally {
      await admin.disconnect();
    }
  }

  return {
    async start() {
      if (consumer) return;
      const c = kafka.consumer({
        groupId: s.groupId,
        sessionTimeout: s.sessionTimeoutMs,
        allowAutoTopicCreation: false,
      });
      consumer = c;
      c.on(c.events.CRASH, ({ payload }) => {
        if (payload.restart) return;
        if (options.onError) options.onError(payload.error);
        else report('error', {}, `signal consumer stopped: ${errorMessage(payload.error)}`);
      });
      // Offsets of partitions this member no longer holds are the new owner's to commit.
      c.on(c.events.GROUP_JOIN, ({ payload }) => {
        committer.retain(new Set(payload.memberAssignment[s.topic] ?? []));
      });
      await c.connect();
      await c.subscribe({ topics: [s.topic], fromBeginning: s.start === 'earliest' });
      await c.run({
        // kafkajs would commit after every batch (committer.ts says why not).
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          for (const message of batch.messages) {
            if (stopping !== null || !isRunning() || isStale()) break;
            const step = handle(batch.topic, batch.partition, message);
            inFlight = step.catch(() => undefined);
            await step;
            resolveOffset(message.offset);
            if (s.commit) await committer.handledMessage(batch.partition, message.offset);
            else handled.set(batch.partition, Number(message.offset) + 1);
            await heartbeat();
          }
        },
      });
      if (typeof s.start === 'object') await seekSince(c, s.start.since);
      if (s.commit) committer.start();
    },

    stop() {
      stopping ??= (async () => {
        const c = consumer;
        if (!c) return;
        await inFlight;
        if (s.commit) await committer.stop();
        await c.disconnect();
      })();
      return stopping;
    },

    async lag() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const highs = await admin.fetchTopicOffsets(s.topic);
        const [group] = await admin.fetchOffsets({ groupId: s.groupId, topics: [s.topic] });
        const committed = new Map((group?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
        return highs
          .map((p) => {
            const high = Number(p.high);
            const c = committed.get(p.partition) ?? -1;
            const h = handled.get(p.partition) ?? -1;
            const from = Math.max(c, h, Number(p.low));
            return {
              partition: p.partition,
              highWatermark: high,
              committed: c,
              handled: h,
              lag: high - from,
            };
          })
          .sort((a, b) => a.partition - b.partition);
      } finally {
        await admin.disconnect();
      }
    },

    stats: () => ({ ...stats }),
  };
}
