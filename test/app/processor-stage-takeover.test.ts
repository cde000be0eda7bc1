/**
 * ProcessorStage behind a durable hand-off (issue #17, rolling restart): an influencer is
 * seeded when its first record arrives (not at admit), and re-seeded from the persisted
 * cursors when its records come from a partition this processor gained again. Without that,
 * a processor that regains a partition works from positions it held long ago; the next fill
 * finds a gap and the repair re-derives (and re-publishes) what the other processor published
 * meanwhile — the rolling-restart test saw ~400 repeated signalIds from it. Every seed starts
 * from the exchange's positions taken at admit (start-up): a snapshot taken at the takeover
 * would already contain fills whose signals the dead owner never got acknowledged, and hide
 * them (the processor-takeover test lost signals that way).
 */
import { describe, expect, it } from 'vitest';
import { DeliveryAcks } from '../../src/app/delivery-acks.js';
import { ProcessorStage } from '../../src/app/processor-stage.js';
import type { SignalDelivery } from '../../src/app/signal-delivery.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { silentLogger, systemClock } from '../../src/core/index.js';
import type { FillEvent } from '../../src/core/index.js';
import { MemoryDedupStore } from '../../src/fanin/index.js';
import type { HandoffDelivery } from '../../src/handoff/index.js';
import type { Influencer } from '../../src/influencers/index.js';
import { MemoryCursorStore } from '../../src/positions/index.js';
import type { Signal } from '../../src/positions/index.js';
import { until } from '../kit/index.js';
import { USER, fill } from '../positions/helpers.js';

function stageWith(cursors: MemoryCursorStore): {
  stage: ProcessorStage;
  signals: Signal[];
  seeds: () => number;
  snapshots: () => number;
} {
  const config = parseServiceConfig({
    fanin: { reorderWindowMs: 20, gapHoldMs: 20 },
    positions: { settleWindowMs: 20 },
  });
  const signals: Signal[] = [];
  let snapshots = 0;
  const delivery = {
    publish: (s: Signal) => {
      signals.push(s);
      return Promise.resolve();
    },
    derived: () => undefined,
    received: () => undefined,
    duplicate: () => undefined,
    leftFanIn: () => undefined,
  } as unknown as SignalDelivery;
  const stage = new ProcessorStage({
    config,
    clock: systemClock,
    logger: silentLogger,
    dedup: new MemoryDedupStore({ maxEntries: 1000, ttlMs: 60_000 }),
    cursors,
    fillHistory: { userFillsByTime: () => Promise.resolve({ fills: [], truncated: false }) },
    positionSource: {
      positions: () => {
        snapshots++;
        return Promise.resolve({ positions: new Map(), time: 0 });
      },
    },
    delivery,
    influencer: (id) =>
      id === 'inf-1' ? ({ id, address: USER, signal: {} } as unknown as Influencer) : undefined,
    routing: { resolveInfluencers: () => ['inf-1'] },
    acks: new DeliveryAcks(),
  });
  let seeds = 0;
  stage.engine.events.on('seeded', () => seeds++);
  return { stage, signals, seeds: () => seeds, snapshots: () => snapshots };
}

const deliveryOf = (fills: FillEvent[], partition: number, generation: number): HandoffDelivery => ({
  records: [{ kind: 'fills', influencerId: 'inf-1', listenerId: 'inf-1/primary', receivedAt: 0, fills }],
  ack: () => undefined,
  origin: { partition, generation },
});

describe('ProcessorStage behind a durable hand-off', () => {
  it('seeds on the first record, and re-seeds from the cursor when the partition is gained again', async () => {
    const cursors = new MemoryCursorStore();
    const { stage, signals, seeds, snapshots } = stageWith(cursors);
    let deliver: (d: HandoffDelivery) => void = () => undefined;
    await stage.start({
      start: (fn) => Promise.resolve(void (deliver = fn)),
      close: () => Promise.resolve(),
    });

    await stage.admit('inf-1', USER);
    expect(seeds()).toBe(0); // not its owner yet: nothing seeded
    expect(snapshots()).toBe(1); // but the seed's base is the exchange's positions now

    const t = Date.now();
    deliver(deliveryOf([fill({ side: 'B', sz: '1', start: '0', time: t, tid: 1 })], 0, 1));
    await until(() => signals.length === 1, 5000, 'the first signal');
    expect(seeds()).toBe(1);
    expect(signals[0]?.position).toBe('1');

    // The partition went to another processor, which published up to position 3 and
    // persisted its cursor (ack-gated: persisted = published).
    await cursors.set('inf-1', 'BTC', { time: t + 20, eventId: 'x', eventIdsAtTime: ['x'], position: '3' });

    // Regained (a new generation): the next fill starts at 3, and only its own signal follows.
    deliver(deliveryOf([fill({ side: 'B', sz: '1', start: '3', time: t + 40, tid: 4 })], 0, 2));
    await until(() => signals.length >= 2, 5000, 'the signal after the takeover');
    expect(signals.slice(1).map((s) => [s.previousPosition, s.position])).toEqual([['3', '4']]);

    // The same generation again: no re-seed.
    const before = seeds();
    deliver(deliveryOf([fill({ side: 'B', sz: '1', start: '4', time: t + 60, tid: 5 })], 0, 2));
    await until(() => signals.length >= 3, 5000, 'the next signal');
    expect(signals[2]?.position).toBe('5');
    expect(seeds()).toBe(before);
    // Every seed started from the admit-time snapshot: no fetch after it.
    expect(snapshots()).toBe(1);
    await stage.drainFanIn();
    await stage.closePositions();
  });
});
