/**
 * Position-feed snapshots in the processor stage: each is compared with the engine once the
 * fills up to it have had their time, and the other listener's copy of the same snapshot
 * joins the comparison already waiting instead of scheduling its own.
 */
import { describe, expect, it, vi } from 'vitest';
import { ProcessorStage } from '../../src/app/processor-stage.js';
import type { SignalDelivery } from '../../src/app/signal-delivery.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { MemoryDedupStore } from '../../src/fanin/index.js';
import { noopAck } from '../../src/handoff/index.js';
import type { HandoffDelivery, HandoffPositions } from '../../src/handoff/index.js';
import type { Influencer } from '../../src/influencers/index.js';
import { MemoryCursorStore } from '../../src/positions/index.js';
import { ManualClock } from '../kit/index.js';
import { USER } from '../positions/helpers.js';

async function stageWith(): Promise<{
  clock: ManualClock;
  deliver: (r: HandoffPositions) => void;
  reconciled: () => { time: number; positions: Record<string, string> }[];
  delayMs: number;
}> {
  const clock = new ManualClock();
  const config = parseServiceConfig({});
  const stage = new ProcessorStage({
    config,
    clock,
    logger: silentLogger,
    dedup: new MemoryDedupStore({ maxEntries: 1000, ttlMs: 60_000 }),
    cursors: new MemoryCursorStore(),
    fillHistory: { userFillsByTime: () => Promise.resolve({ fills: [], truncated: false }) },
    positionSource: { positions: () => Promise.resolve({ positions: new Map(), time: 0 }) },
    delivery: {} as SignalDelivery,
    influencer: (id) =>
      id === 'inf-1' ? ({ id, address: USER, signal: {} } as unknown as Influencer) : undefined,
    routing: { resolveInfluencers: () => ['inf-1'] },
    acks: null,
  });
  const spy = vi.spyOn(stage.engine, 'reconcile').mockImplementation(() => undefined);
  let onDelivery: ((d: HandoffDelivery) => void) | undefined;
  await stage.start({
    start: (fn) => {
      onDelivery = fn;
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  });
  return {
    clock,
    deliver: (r) => onDelivery?.({ records: [r], ack: noopAck }),
    reconciled: () =>
      spy.mock.calls.map(([, snap]) => ({
        time: snap.time,
        positions: Object.fromEntries([...snap.positions].map(([c, v]) => [c, v.toString()])),
      })),
    // What the stage waits by default: the gap hold (250) plus its 2 s margin.
    delayMs: config.fanin.gapHoldMs + 2000,
  };
}

const snapshot = (listener: string, time: number, positions: Record<string, string>): HandoffPositions => ({
  kind: 'positions',
  influencerId: 'inf-1',
  listenerId: `inf-1/${listener}`,
  receivedAt: time + 5,
  user: USER,
  time,
  positions,
});

describe('ProcessorStage position snapshots', () => {
  it('compares the two listeners’ copies of one snapshot once', async () => {
    const s = await stageWith();
    s.deliver(snapshot('primary', 1_000, { BTC: '0.5', ETH: '-2' }));
    s.deliver(snapshot('secondary', 1_000, { ETH: '-2', BTC: '0.5' }));
    s.clock.advance(s.delayMs - 1);
    expect(s.reconciled()).toEqual([]);
    s.clock.advance(1);
    expect(s.reconciled()).toEqual([{ time: 1_000, positions: { BTC: '0.5', ETH: '-2' } }]);
    // Once compared, the same snapshot again (a re-push) is compared again.
    s.deliver(snapshot('secondary', 1_000, { BTC: '0.5', ETH: '-2' }));
    s.clock.advance(s.delayMs);
    expect(s.reconciled()).toHaveLength(2);
  });

  it('compares snapshots of other times, and copies that disagree, each on its own', async () => {
    const s = await stageWith();
    s.deliver(snapshot('primary', 1_000, { BTC: '0.5' }));
    s.deliver(snapshot('secondary', 1_000, { BTC: '0.6' }));
    s.deliver(snapshot('secondary', 1_000, { BTC: '0.5', SOL: '1' }));
    s.deliver(snapshot('secondary', 2_000, { BTC: '0.5' }));
    s.clock.advance(s.delayMs);
    expect(s.reconciled()).toEqual([
      { time: 1_000, positions: { BTC: '0.5' } },
      { time: 1_000, positions: { BTC: '0.6' } },
      { time: 1_000, positions: { BTC: '0.5', SOL: '1' } },
      { time: 2_000, positions: { BTC: '0.5' } },
    ]);
  });
});
