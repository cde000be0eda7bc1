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

/** An admin for fake brokers: every topic exists, with `partitions` partitions. */
export function fakeAdmin(partitions: number): AdminLike {
  const ids = Array.from({ length: partitions }, (_, i) => i);
  return {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => ['t'],
    createTopics: async () => true,
    describeCluster: async () => ({}),
    fetchTopicMetadata: async ({ topics }) => ({
      topics: topics.map((name) => ({ name, partitions: ids })),
    }),
  };
}
