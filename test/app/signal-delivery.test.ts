/**
 * SignalDelivery's receipt times: the first copy of a fill that is handed over sets its
 * signal's end-to-end start, and a later copy the fan-in suppresses leaves nothing behind.
 * Before, a second copy that arrived after its fill's signal was published recorded a receipt
 * nothing would take: both receipt maps sat at their 200 000-entry bound in steady state.
 */
import { describe, expect, it } from 'vitest';
import type { AckGatedCursorStore } from '../../src/app/ack-gated-cursors.js';
import { ProcessorStage } from '../../src/app/processor-stage.js';
import { SignalDelivery } from '../../src/app/signal-delivery.js';
import type { SinkSet } from '../../src/app/sinks.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { TypedEmitter, silentLogger, systemClock } from '../../src/core/index.js';
import type { FillEvent } from '../../src/core/index.js';
import { MemoryDedupStore } from '../../src/fanin/index.js';
import { noopAck } from '../../src/handoff/index.js';
import type { HandoffDelivery, HandoffSource } from '../../src/handoff/index.js';
import type { Influencer } from '../../src/influencers/index.js';
import type { Metrics } from '../../src/obs/index.js';
import { MemoryCursorStore } from '../../src/positions/index.js';
import type { Signal } from '../../src/positions/index.js';
import type { SinkRecord } from '../../src/sinks/index.js';
import { USER, fill } from '../positions/helpers.js';

function deliveryWith(): { delivery: SignalDelivery; records: SinkRecord[] } {
  const records: SinkRecord[] = [];
  const signals = {
    events: new TypedEmitter(() => undefined),
    enqueue: (r: SinkRecord) => {
      records.push(r);
      return Promise.resolve();
    },
  };
  const delivery = new SignalDelivery({
    clock: systemClock,
    metrics: {} as Metrics,
    sinks: { signals } as unknown as SinkSet,
    cursors: {
      signalEnqueued: () => undefined,
      signalsAcknowledged: () => undefined,
    } as unknown as AckGatedCursorStore,
    marketsOf: () => undefined,
  });
  return { delivery, records };
}

const copyOf = (f: FillEvent, listenerId: string, receivedAt: number): FillEvent => ({
  ...f,
  source: { ...f.source, listenerId, receivedAt },
});

const signalFor = (f: FillEvent): Signal =>
  ({
    signalId: `sig-${f.eventId}`,
    influencerId: 'inf-1',
    market: f.coin,
    action: 'OPEN',
    sourceEventIds: [f.eventId],
    timestamp: f.time,
  }) as unknown as Signal;

async function processorWith(delivery: SignalDelivery): Promise<{
  stage: ProcessorStage;
  push: (...fills: FillEvent[]) => void;
}> {
  const stage = new ProcessorStage({
    config: parseServiceConfig({}),
    clock: systemClock,
    logger: silentLogger,
    dedup: new MemoryDedupStore({ maxEntries: 1000, ttlMs: 60_000 }),
    cursors: new MemoryCursorStore(),
    fillHistory: { userFillsByTime: () => Promise.resolve({ fills: [], truncated: false }) },
    positionSource: { positions: () => Promise.resolve({ positions: new Map(), time: 0 }) },
    delivery,
    influencer: (id) =>
      id === 'inf-1' ? ({ id, address: USER, signal: {} } as unknown as Influencer) : undefined,
    routing: { resolveInfluencers: () => ['inf-1'] },
    acks: null,
  });
  await stage.admit('inf-1', USER);
  let onDelivery: ((d: HandoffDelivery) => void) | undefined;
  const source: HandoffSource = {
    start: (fn) => {
      onDelivery = fn;
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  await stage.start(source);
  const push = (...fills: FillEvent[]): void =>
    onDelivery?.({
      records: [
        {
          kind: 'fills',
          influencerId: 'inf-1',
          listenerId: fills[0]?.source.listenerId ?? '',
          receivedAt: fills[0]?.source.receivedAt ?? 0,
          fills,
        },
      ],
      ack: noopAck,
    });
  return { stage, push };
}

describe('SignalDelivery receipt times', () => {
  it('forgets a copy suppressed after its signal was published', async () => {
    const { delivery, records } = deliveryWith();
    const first = copyOf(fill({ side: 'B', sz: '1', time: 1_000 }), 'inf-1/primary', 5_000);
    delivery.received([first]);
    delivery.derived(signalFor(first));
    await delivery.publish(signalFor(first));
    expect(records.map((r) => r.createdAt)).toEqual([5_000]);
    expect(delivery.tracked()).toEqual({ receipts: 0, stageReceipts: 0, stageFaninOut: 0 });

    const second = copyOf(first, 'inf-1/secondary', 5_003);
    delivery.received([second]);
    // The late copy found no receipt and recorded its own...
    expect(delivery.tracked()).toEqual({ receipts: 1, stageReceipts: 1, stageFaninOut: 0 });
    // ...which goes as soon as the fan-in calls it a duplicate.
    delivery.duplicate(second);
    expect(delivery.tracked()).toEqual({ receipts: 0, stageReceipts: 0, stageFaninOut: 0 });
  });

  it('keeps the first copy’s receipt when the other copy is suppressed before the signal', async () => {
    const { delivery, records } = deliveryWith();
    const first = copyOf(fill({ side: 'B', sz: '1', time: 1_000 }), 'inf-1/primary', 5_000);
    const second = copyOf(first, 'inf-1/secondary', 5_007);
    delivery.received([first]);
    delivery.received([second]);
    delivery.duplicate(second);
    expect(delivery.tracked()).toEqual({ receipts: 1, stageReceipts: 1, stageFaninOut: 0 });
    delivery.derived(signalFor(first));
    await delivery.publish(signalFor(first));
    expect(records.map((r) => r.createdAt)).toEqual([5_000]);
    expect(delivery.tracked()).toEqual({ receipts: 0, stageReceipts: 0, stageFaninOut: 0 });
  });

  it('the processor stage tells it about every copy its fan-in suppresses', async () => {
    const { delivery, records } = deliveryWith();
    const { stage, push } = await processorWith(delivery);
    const a = copyOf(fill({ side: 'B', sz: '1', time: 1_000 }), 'inf-1/primary', 5_000);
    push(a);
    await stage.engine.idle();
    expect(records).toHaveLength(1);
    push(copyOf(a, 'inf-1/secondary', 5_002));
    await stage.engine.idle();
    expect(stage.fanIn.stats().duplicates).toBe(1);
    expect(records).toHaveLength(1);
    expect(delivery.tracked()).toEqual({ receipts: 0, stageReceipts: 0, stageFaninOut: 0 });
    await stage.drainFanIn();
    await stage.closePositions();
  });

  it('lets go of fills no signal carries: a market class that does not emit, a net-zero block', async () => {
    const { delivery, records } = deliveryWith();
    const { stage, push } = await processorWith(delivery);
    // Default signal classes are perp and hip3: a spot fill moves a position, emits nothing.
    push(copyOf(fill({ coin: '@107', side: 'B', sz: '3', time: 1_000, start: '0' }), 'inf-1/primary', 5_000));
    // One frame with both sides of a block: it nets to zero, no signal.
    push(
      copyOf(fill({ side: 'B', sz: '1', time: 2_000, start: '0' }), 'inf-1/primary', 5_010),
      copyOf(fill({ side: 'A', sz: '1', time: 2_000, start: '1' }), 'inf-1/primary', 5_010),
    );
    await stage.engine.idle();
    expect(stage.fanIn.stats().emitted).toBe(3);
    expect(stage.engine.position('inf-1', '@107')?.toString()).toBe('3');
    expect(records).toHaveLength(0);
    expect(delivery.tracked()).toEqual({ receipts: 0, stageReceipts: 0, stageFaninOut: 0 });
    await stage.drainFanIn();
    await stage.closePositions();
  });
});
