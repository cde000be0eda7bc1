import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import { DistributedKafkaConfig } from '../../src/config/index.js';
import { KafkaHandoffSink } from '../../src/distributed/index.js';
import type { BronzeMessage, BronzeProducer } from '../../src/distributed/index.js';
import type { HandoffRecord } from '../../src/handoff/index.js';
import { ManualClock, until } from '../kit/index.js';

function rec(influencerId: string, n: number): HandoffRecord {
  return {
    kind: 'positions',
    influencerId,
    listenerId: `${influencerId}/primary`,
    receivedAt: n,
    user: '0x1111111111111111111111111111111111111111',
    time: n,
    positions: { BTC: String(n) },
  };
}

/** Records every send; fails the next `failNext` sends; `gate` holds sends until opened. */
class FakeProducer implements BronzeProducer {
  sends: BronzeMessage[][] = [];
  failNext = 0;
  connected = false;
  disconnects = 0;
  async connect(): Promise<void> {
    this.connected = true;
  }
  async disconnect(): Promise<void> {
    this.disconnects += 1;
  }
  async send(r: { topic: string; acks: number; messages: BronzeMessage[] }): Promise<unknown> {
    expect(r.acks).toBe(-1);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('broker down');
    }
    this.sends.push(r.messages);
    return [];
  }
}

function sinkWith(overrides: Partial<DistributedKafkaConfig['bronze']> = {}) {
  const config = DistributedKafkaConfig.parse({
    bronze: { lingerMs: 5, maxBatchRecords: 3, queueMaxRecords: 5, ...overrides },
  });
  const producer = new FakeProducer();
  const clock = new ManualClock();
  const sink = new KafkaHandoffSink({ config, logger: silentLogger, producer, clock });
  return { sink, producer, clock };
}

const sentValues = (p: FakeProducer): string[] =>
  p.sends.flat().map((m) => JSON.parse(m.value).positions.BTC);

describe('KafkaHandoffSink', () => {
  it('batches after the linger, keeps order, full batches go at once, flush waits for acks', async () => {
    const { sink, producer, clock } = sinkWith();
    await sink.start();
    sink.publish(rec('a', 1));
    sink.publish(rec('a', 2));
    await Promise.resolve();
    expect(producer.sends).toEqual([]); // lingering
    clock.advance(5);
    await until(() => producer.sends.length === 1);
    expect(sentValues(producer)).toEqual(['1', '2']);
    for (let n = 3; n <= 6; n += 1) sink.publish(rec('a', n));
    const flushed = sink.flush();
    await until(() => producer.sends.length === 2); // batch of 3 is full: no linger
    clock.advance(5);
    await flushed;
    expect(sentValues(producer)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(producer.sends.map((b) => b.length)).toEqual([2, 3, 1]);
    expect(sink.status()).toMatchObject({ sent: 6, queued: 0, overflowed: 0 });
  });

  it('publish never blocks: past the bound records are refused and counted, not silently lost', async () => {
    const { sink } = sinkWith();
    const overflows: number[] = [];
    sink.events.on('overflow', (e) => overflows.push(e.dropped));
    // Not started: everything stays queued, so the bound is hit.
    for (let n = 1; n <= 8; n += 1) sink.publish(rec('a', n));
    expect(sink.status()).toMatchObject({ queued: 5, overflowed: 3 });
    expect(overflows).toEqual([1, 2, 3]);
  });

  it('a failed send is retried with backoff, in order, until acked', async () => {
    const { sink, producer, clock } = sinkWith({ retryInitialDelayMs: 100 });
    const errors: number[] = [];
    sink.events.on('sendError', (e) => errors.push(e.records));
    await sink.start();
    producer.failNext = 2;
    sink.publish(rec('a', 1));
    sink.publish(rec('a', 2));
    const flushed = sink.flush();
    clock.advance(5);
    await until(() => errors.length === 1);
    clock.advance(1000);
    await until(() => errors.length === 2);
    clock.advance(1000);
    await flushed;
    expect(errors).toEqual([2, 2]);
    expect(sentValues(producer)).toEqual(['1', '2']);
    expect(sink.status()).toMatchObject({ failedSends: 2, sent: 2 });
  });

  it('close flushes first, is idempotent, and refuses later publishes with a count', async () => {
    const { sink, producer } = sinkWith({ lingerMs: 1000 });
    const refused: string[] = [];
    sink.events.on('closedDrop', (e) => refused.push(e.influencerId));
    await sink.start();
    sink.publish(rec('a', 1));
    const c1 = sink.close();
    const c2 = sink.close();
    expect(c1).toBe(c2);
    await c1;
    expect(sentValues(producer)).toEqual(['1']); // close did not wait for the linger
    expect(producer.disconnects).toBe(1);
    sink.publish(rec('b', 2));
    expect(refused).toEqual(['b']);
    await sink.flush();
  });
});
