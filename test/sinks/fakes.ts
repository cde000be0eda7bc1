/**
 * Test doubles shared by the sink unit tests: a controllable sink that can be up, down or gated,
 * advanceUntil, which drives the kit's ManualClock so backoff never spins, and the pieces of a
 * fake Kafka (an admin, the refusal error).
 */
import { expect } from 'vitest';
import { SinkError } from '../../src/core/index.js';
import type { AdminLike } from '../../src/sinks/kafka/index.js';
import type { ManualClock } from '../kit/index.js';

export interface Rec {
  readonly id: string;
  readonly key: string;
  readonly n: number;
}

export const rec = (n: number, key = `k${n % 3}`): Rec => ({ id: `id-${n}`, key, n });

/**
 * A sink that records what it got; `up = false` makes every call fail; `gate()` holds calls;
 * `failNext` fails that many calls transiently; `refuses` picks records it refuses for good
 * (their whole batch rejects with a non-retriable SINK_RECORD_REJECTED, as the adapters do).
 */
export class FakeSink<T> {
  readonly received: T[] = [];
  readonly calls: (readonly T[])[] = [];
  up = true;
  failNext = 0;
  refuses: (record: T) => boolean = () => false;
  private gateOpen: Promise<void> | null = null;
  private release: (() => void) | null = null;

  deliver = async (batch: readonly T[]): Promise<void> => {
    this.calls.push(batch);
    if (this.gateOpen) await this.gateOpen;
    if (!this.up) throw new SinkError('SINK_UNAVAILABLE', 'fake sink down', { retriable: true });
    if (this.failNext > 0) {
      this.failNext--;
      throw new SinkError('SINK_WRITE', 'fake sink hiccup', { retriable: true });
    }
    if (batch.some((r) => this.refuses(r))) {
      throw new SinkError('SINK_RECORD_REJECTED', 'fake sink refuses a record', { retriable: false });
    }
    this.received.push(...batch);
  };

  gate(): void {
    this.gateOpen = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release?.();
    this.gateOpen = null;
  }
}

export const FAST_POLICY = { initialDelayMs: 10, maxDelayMs: 100, factor: 2, maxAttempts: 5, jitter: 0 };

/** Let pending promise callbacks and fs callbacks run. */
export const settle = async (rounds = 5): Promise<void> => {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
};

/** Advance `clock` (firing backoff timers) until `cond` holds; fails the test if it never does. */
export async function advanceUntil(clock: ManualClock, cond: () => boolean, stepMs = 100): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) {
    await new Promise((r) => setTimeout(r, 2)); // not synchronisation: the poll step between clock advances
    clock.advance(stepMs);
  }
  await settle();
  expect(cond()).toBe(true);
}

export const ns = (rs: readonly Rec[]): number[] => rs.map((r) => r.n);
export const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, i) => a + i);

/** The error kafkajs throws when the broker refuses a record for good (too large). */
export const tooLarge = (): Error =>
  Object.assign(new Error('MESSAGE_TOO_LARGE'), {
    name: 'KafkaJSProtocolError',
    type: 'MESSAGE_TOO_LARGE',
    retriable: false,
  });

/**
 * An admin for fake brokers: every topic exists, with `partitions` partitions; with `leaders`,
 * the metadata names each partition's leading broker as kafkajs' does.
 */
export function fakeAdmin(partitions: number, leaders?: (partition: number) => number): AdminLike {
  const ids = Array.from({ length: partitions }, (_, i) => i);
  return {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => ['t'],
    createTopics: async () => true,
    describeCluster: async () => ({}),
    fetchTopicMetadata: async ({ topics }) => ({
      topics: topics.map((name) => ({
        name,
        partitions: leaders ? ids.map((partitionId) => ({ partitionId, leader: leaders(partitionId) })) : ids,
      })),
    }),
  };
}

/** A request as IdempotentBroker saw it. */
export interface BrokerRequest {
  readonly producer: number;
  readonly partitions: readonly number[];
  readonly values: readonly string[];
}

/**
 * Kafka as an idempotent producer sees it, for the sink's send logic: per producer and
 * partition, a batch written by a request that then failed (the client rolled back its sequence
 * numbers) is acknowledged again, not written, when it comes back unchanged, and anything else
 * in its place is OUT_OF_ORDER_SEQUENCE_NUMBER, as a real broker answers. A request holding a
 * record `BAD` is refused whole after its other partitions were written, as a broker refusing
 * one partition's batch does. With `gate`, requests are held until `gate` are pending at once,
 * so a test that would serialise them never finishes (vitest's timeout fails it).
 */
export class IdempotentBroker {
  readonly written: { readonly partition: number; readonly value: string }[] = [];
  readonly requests: BrokerRequest[] = [];
  readonly connected: number[] = [];
  readonly disconnected: number[] = [];
  gate = 0;
  /** Requests holding this partition fail with OUT_OF_ORDER_SEQUENCE_NUMBER, `times` times. */
  outOfOrder: { partition: number; times: number } | null = null;
  private pending: (() => void)[] = [];
  private producers = 0;
  /** `${producer}/${partition}` -> the batch written by a failed request. */
  private readonly unacknowledged = new Map<string, string>();

  constructor(
    private readonly partitionOf: (topic: string, key: string) => number,
    private readonly admins: () => AdminLike,
  ) {}

  producer(): {
    connect(): Promise<void>;
    disconnect(): Promise<void>;
    send(r: { topic: string; messages: { key: string; value: string }[] }): Promise<unknown>;
  } {
    const id = ++this.producers;
    return {
      connect: async () => void this.connected.push(id),
      disconnect: async () => void this.disconnected.push(id),
      send: async ({ topic, messages }) => {
        if (this.gate > 0) {
          await new Promise<void>((resolve) => {
            this.pending.push(resolve);
            if (this.pending.length >= this.gate) for (const r of this.pending.splice(0)) r();
          });
        }
        const byPartition = new Map<number, string[]>();
        for (const m of messages) {
          const p = this.partitionOf(topic, m.key);
          byPartition.set(p, [...(byPartition.get(p) ?? []), m.value]);
        }
        this.requests.push({
          producer: id,
          partitions: [...byPartition.keys()],
          values: messages.map((m) => m.value),
        });
        const oo = this.outOfOrder;
        const fatal = oo !== null && oo.times > 0 && byPartition.has(oo.partition);
        if (fatal) oo.times--;
        const refused = fatal || [...byPartition.values()].some((vs) => vs.includes('BAD'));
        for (const [p, values] of byPartition) {
          if (values.includes('BAD') || (fatal && p === oo.partition)) continue;
          const slot = `${id}/${p}`;
          const batch = values.join('\u0000');
          const open = this.unacknowledged.get(slot);
          if (open !== undefined) {
            if (open !== batch) {
              throw Object.assign(new Error('OUT_OF_ORDER_SEQUENCE_NUMBER'), {
                name: 'KafkaJSProtocolError',
                type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
                retriable: false,
              });
            }
            if (!refused) this.unacknowledged.delete(slot);
            continue;
          }
          for (const value of values) this.written.push({ partition: p, value });
          if (refused) this.unacknowledged.set(slot, batch);
        }
        if (fatal) {
          throw Object.assign(new Error('OUT_OF_ORDER_SEQUENCE_NUMBER'), {
            name: 'KafkaJSProtocolError',
            type: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
            retriable: false,
          });
        }
        if (refused) throw tooLarge();
        return undefined;
      },
    };
  }

  admin(): AdminLike {
    return this.admins();
  }

  /** Producer ids that sent requests. */
  producerIds(): Set<number> {
    return new Set(this.requests.map((r) => r.producer));
  }
}
