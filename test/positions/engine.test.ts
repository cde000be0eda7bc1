import { describe, expect, it, vi } from 'vitest';
import { dec } from '../../src/core/index.js';
import { Signal } from '../../src/positions/index.js';
import type { PositionSource } from '../../src/positions/index.js';
import { OTHER, USER, engineWith, fill } from './helpers.js';

const SEED_TIME = 500;
const flatSource: PositionSource = {
  positions: () => Promise.resolve({ positions: new Map(), time: SEED_TIME }),
};

async function ready(opts: Parameters<typeof engineWith>[0] = {}) {
  const h = engineWith({ positionSource: flatSource, settleMs: 100, ...opts });
  await h.engine.admit('inf-1', USER);
  return h;
}

describe('PositionEngine block aggregation', () => {
  it('aggregates partial fills of one block into one OPEN with a VWAP', async () => {
    const { engine, signals, clock } = await ready();
    engine.ingest('inf-1', fill({ side: 'B', sz: '0.5', px: '100', time: 1000, start: '0' }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '0.3', px: '101', time: 1000, start: '0.5' }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '0.2', px: '102', time: 1000, start: '0.8' }));
    expect(signals).toHaveLength(0);
    clock.advance(99);
    expect(signals).toHaveLength(0);
    clock.advance(1);
    expect(signals).toHaveLength(1);
    const s = Signal.parse(signals[0]);
    expect(s).toMatchObject({ action: 'OPEN', side: 'LONG', size: '1', position: '1', deltaSize: '1' });
    expect(s.price).toBe('100.7'); // (50 + 30.3 + 20.4) / 1
    expect(s.previousSide).toBe('FLAT');
    expect(s.sourceEventIds).toHaveLength(3);
    expect([...s.sourceEventIds].sort()).toEqual(s.sourceEventIds);
    expect(s.metadata.fillCount).toBe(3);
    expect(s.timestamp).toBe(1000);
  });

  it('a fill with a later block time closes the open block at once', async () => {
    const { engine, signals } = await ready();
    engine.ingest('inf-1', fill({ side: 'A', sz: '2', time: 1000, start: '0' }));
    engine.ingest('inf-1', fill({ side: 'A', sz: '1', time: 1001, start: '-2' }));
    expect(signals.map((s) => [s.action, s.position])).toEqual([['OPEN', '-2']]);
    engine.flush();
    expect(signals.map((s) => [s.action, s.position, s.deltaSize])).toEqual([
      ['OPEN', '-2', '-2'],
      ['INCREASE', '-3', '-1'],
    ]);
  });

  it('a flip in one fill is a FLIP with the signed delta', async () => {
    const { engine, signals } = await ready();
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1000, start: '0' }));
    engine.ingest('inf-1', fill({ side: 'A', sz: '3', time: 1001, start: '1', dir: 'Long > Short' }));
    engine.flush();
    expect(signals[1]).toMatchObject({
      action: 'FLIP',
      side: 'SHORT',
      size: '2',
      position: '-2',
      deltaSize: '-3',
      previousSide: 'LONG',
      previousSize: '1',
    });
    expect(signals[1]?.metadata.dirMismatch).toBe(false);
  });

  it('close-then-reopen on the other side in one block is a FLIP; open-then-close emits nothing', async () => {
    const { engine, signals, counts } = await ready();
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1000, start: '0' }));
    engine.ingest('inf-1', fill({ side: 'A', sz: '1', time: 1001, start: '1' }));
    engine.ingest('inf-1', fill({ side: 'A', sz: '2', time: 1001, start: '0' }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '4', time: 1002, start: '-2' }));
    engine.ingest('inf-1', fill({ side: 'A', sz: '4', time: 1002, start: '2' }));
    engine.flush();
    expect(signals.map((s) => s.action)).toEqual(['OPEN', 'FLIP']);
    expect(counts['netZeroBlock']).toBe(1);
    expect(engine.position('inf-1', 'BTC')?.toString()).toBe('-2');
  });

  it('self-trades net to zero, are counted and excluded from the price', async () => {
    const { engine, signals, counts } = await ready({
      positionSource: {
        positions: () => Promise.resolve({ positions: new Map([['BTC', dec('-5')]]), time: SEED_TIME }),
      },
    });
    engine.ingest(
      'inf-1',
      fill({ side: 'B', sz: '1', px: '90', time: 1000, start: '-5', tid: 7, oid: 1, dir: 'Close Short' }),
    );
    engine.ingest(
      'inf-1',
      fill({ side: 'A', sz: '1', px: '90', time: 1000, start: '-5', tid: 7, oid: 2, dir: 'Open Short' }),
    );
    engine.flush();
    expect(signals).toHaveLength(0);
    expect(counts['selfTrade']).toBe(1);
    expect(counts['netZeroBlock']).toBeUndefined();
    expect(counts['gap']).toBeUndefined();
    // A self-trade pair inside a block with a real fill: the pair is listed but not priced.
    engine.ingest('inf-1', fill({ side: 'A', sz: '1', px: '91', time: 2000, start: '-5', tid: 8, oid: 3 }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', px: '91', time: 2000, start: '-5', tid: 8, oid: 4 }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '2', px: '95', time: 2000, start: '-5', tid: 9, oid: 5 }));
    engine.flush();
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({ action: 'DECREASE', position: '-3', deltaSize: '2', price: '95' });
    expect(signals[0]?.metadata.selfTradeFillCount).toBe(2);
    expect(signals[0]?.sourceEventIds).toHaveLength(3);
    expect(counts['selfTrade']).toBe(2);
  });

  it('marks the tracked account liquidation apart from a counterparty liquidation', async () => {
    const { engine, signals } = await ready();
    engine.ingest(
      'inf-1',
      fill({
        side: 'A',
        sz: '1',
        time: 1000,
        start: '0',
        liquidation: { liquidatedUser: OTHER, markPx: '99', method: 'market' },
      }),
    );
    engine.ingest(
      'inf-1',
      fill({
        side: 'B',
        sz: '1',
        time: 1001,
        start: '-1',
        dir: 'Liquidated Cross Short',
        liquidation: { liquidatedUser: USER, markPx: '120', method: 'backstop' },
      }),
    );
    engine.flush();
    expect(signals[0]?.metadata.counterpartyLiquidation).toBe(true);
    expect(signals[0]?.metadata.liquidation).toBeNull();
    expect(signals[1]?.action).toBe('CLOSE');
    expect(signals[1]?.metadata.liquidation).toEqual({
      liquidatedUser: USER,
      markPx: '120',
      method: 'backstop',
    });
    expect(signals[1]?.metadata.counterpartyLiquidation).toBe(false);
  });

  it('flags ADL, settlement, vault netting and TWAP fills in metadata', async () => {
    const { engine, signals } = await ready();
    engine.ingest('inf-1', fill({ side: 'B', sz: '2', time: 1000, start: '0', twapId: 77 }));
    engine.ingest('inf-1', fill({ side: 'A', sz: '1', time: 1001, start: '2', dir: 'Auto-Deleveraging' }));
    engine.ingest('inf-1', fill({ side: 'A', sz: '0.5', time: 1002, start: '1', dir: 'Net Child Vaults' }));
    engine.flush();
    expect(signals[0]?.metadata.twapIds).toEqual([77]);
    expect(signals[1]?.metadata.adl).toBe(true);
    expect(signals[2]?.metadata.netChildVaults).toBe(true);
    expect(signals.every((s) => !s.metadata.dirMismatch)).toBe(true);
  });

  it('reports the fills no signal carries: a class that does not emit, a block netting to zero', async () => {
    const { engine, signals } = await ready();
    const unsignalled: string[][] = [];
    engine.events.on('unsignalled', (e) => unsignalled.push([e.market, ...e.eventIds]));
    const spot = fill({ coin: '@107', side: 'A', sz: '1', time: 1000, start: '5', dir: 'Sell' });
    const open = fill({ side: 'B', sz: '1', time: 1000, start: '0', dir: 'Open Long' });
    engine.ingest('inf-1', spot);
    engine.ingest('inf-1', open);
    engine.flush();
    const buy = fill({ side: 'B', sz: '2', time: 2000, start: '1', dir: 'Open Long' });
    const sell = fill({ side: 'A', sz: '2', time: 2000, start: '3', dir: 'Close Long' });
    engine.ingest('inf-1', buy);
    engine.ingest('inf-1', sell);
    engine.flush();
    // The perp OPEN carries its fill; the spot fill (default classes: perp, hip3) and the
    // net-zero block's two fills are carried by none.
    expect(signals.map((s) => [s.market, s.action, ...s.sourceEventIds])).toEqual([
      ['BTC', 'OPEN', open.eventId],
    ]);
    expect(unsignalled).toEqual([
      ['@107', spot.eventId],
      ['BTC', buy.eventId, sell.eventId],
    ]);
  });

  it('HIP-3 coins emit; spot coins track positions but emit only when configured', async () => {
    const { engine, signals, counts } = await ready();
    engine.ingest(
      'inf-1',
      fill({ coin: 'xyz:TSLA', side: 'B', sz: '3', time: 1000, start: '0', dir: 'Open Long' }),
    );
    engine.ingest(
      'inf-1',
      fill({ coin: '@107', side: 'A', sz: '43.84', time: 1000, start: '10659.65434798', dir: 'Sell' }),
    );
    engine.flush();
    expect(signals.map((s) => [s.market, s.marketClass, s.action])).toEqual([['xyz:TSLA', 'hip3', 'OPEN']]);
    expect(counts['suppressed']).toBe(1);
    expect(engine.position('inf-1', '@107')?.toString()).toBe('10615.81434798');

    const spot = await ready({ signalClasses: ['perp', 'hip3', 'spot'] });
    spot.engine.ingest(
      'inf-1',
      fill({ coin: '@107', side: 'A', sz: '43.84', time: 1000, start: '10659.65434798', dir: 'Sell' }),
    );
    spot.engine.flush();
    // The first spot fill seeds from its own startPosition: a DECREASE, not a false OPEN.
    expect(spot.signals[0]).toMatchObject({
      marketClass: 'spot',
      action: 'DECREASE',
      position: '10615.81434798',
    });
    expect(spot.counts['dirMismatch']).toBeUndefined();

    // A per-influencer override wins over the global classes, in both directions.
    const perInf = await ready({
      signalClassesFor: (id) => (id === 'inf-1' ? ['spot'] : undefined),
    });
    perInf.engine.ingest(
      'inf-1',
      fill({ coin: 'xyz:TSLA', side: 'B', sz: '3', time: 1000, start: '0', dir: 'Open Long' }),
    );
    perInf.engine.ingest(
      'inf-1',
      fill({ coin: '@107', side: 'A', sz: '43.84', time: 1000, start: '10659.65434798', dir: 'Sell' }),
    );
    perInf.engine.flush();
    expect(perInf.signals.map((s) => s.market)).toEqual(['@107']);
    expect(perInf.engine.position('inf-1', 'xyz:TSLA')?.toString()).toBe('3');
  });

  it('dir only cross-checks: a disagreement or unknown dir is counted, never decides', async () => {
    const { engine, signals, counts } = await ready();
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1000, start: '0', dir: 'Close Short' }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1001, start: '1', dir: 'Moon Long' }));
    engine.flush();
    expect(signals.map((s) => s.action)).toEqual(['OPEN', 'INCREASE']);
    expect(signals[0]?.metadata.dirMismatch).toBe(true);
    expect(counts['dirMismatch']).toBe(1);
    expect(counts['unknownDir']).toBe(1);
    expect(signals[1]?.metadata.dirs).toEqual(['Moon Long']);
  });

  it('order mode emits one signal per (oid, block)', async () => {
    const { engine, signals } = await ready({ mode: 'order' });
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1000, start: '0', oid: 11 }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1000, start: '1', oid: 11 }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '3', time: 1000, start: '2', oid: 12 }));
    engine.flush();
    expect(signals.map((s) => [s.action, s.metadata.oid, s.deltaSize, s.position])).toEqual([
      ['OPEN', 11, '2', '2'],
      ['INCREASE', 12, '3', '5'],
    ]);
    expect(new Set(signals.map((s) => s.signalId)).size).toBe(2);

    // A per-influencer override (record signal.aggregation) wins over the engine default.
    const perInf = await ready({ modeFor: (id) => (id === 'inf-1' ? 'block' : undefined), mode: 'order' });
    perInf.engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1000, start: '0', oid: 21 }));
    perInf.engine.ingest('inf-1', fill({ side: 'B', sz: '3', time: 1000, start: '1', oid: 22 }));
    perInf.engine.flush();
    expect(perInf.signals.map((s) => [s.action, s.deltaSize, s.metadata.mode])).toEqual([
      ['OPEN', '4', 'block'],
    ]);
  });
});

describe('PositionEngine seeding', () => {
  it('admits only after seeding: buffered fills continue the seeded position (no false OPEN)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const source: PositionSource = {
      positions: async () => {
        await gate;
        return { positions: new Map([['ETH', dec('2')]]), time: SEED_TIME };
      },
    };
    const { engine, signals } = engineWith({ positionSource: source, settleMs: 100 });
    const admitted = engine.admit('inf-1', USER);
    engine.ingest('inf-1', fill({ coin: 'ETH', side: 'B', sz: '1', time: 1000, start: '2' }));
    expect(signals).toHaveLength(0);
    release();
    await admitted;
    engine.flush();
    expect(signals.map((s) => [s.action, s.previousPosition, s.position])).toEqual([['INCREASE', '2', '3']]);
  });

  it('ignores snapshot history older than the seed and absorbs a fill the seed already includes', async () => {
    const source: PositionSource = {
      positions: () => Promise.resolve({ positions: new Map([['BTC', dec('1')]]), time: SEED_TIME }),
    };
    const { engine, signals, counts } = engineWith({ positionSource: source });
    await engine.admit('inf-1', USER);
    engine.ingest('inf-1', fill({ side: 'B', sz: '5', time: 100, start: '0', delivery: 'snapshot' }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: SEED_TIME + 2, start: '0' }));
    engine.flush();
    expect(signals).toHaveLength(0);
    expect(counts['gap']).toBeUndefined();
    expect(engine.position('inf-1', 'BTC')?.toString()).toBe('1');
    engine.ingest('inf-1', fill({ side: 'A', sz: '1', time: SEED_TIME + 3, start: '1' }));
    engine.flush();
    expect(signals.map((s) => s.action)).toEqual(['CLOSE']);
  });

  it('fills of an influencer that was never admitted are counted, not processed', () => {
    const { engine, signals, counts } = engineWith();
    engine.ingest('nobody', fill({ side: 'B', sz: '1', time: 1000 }));
    expect(signals).toHaveLength(0);
    expect(counts['absorbed']).toBe(1);
  });
});

describe('PositionEngine publish order', () => {
  it('hands an idle key’s signal to the publisher in the same call, and queues a busy key’s behind it', async () => {
    const published: string[] = [];
    const release: (() => void)[] = [];
    const publish = (s: Signal): Promise<void> => {
      published.push(`${s.market}:${s.action}:${s.position}`);
      return new Promise<void>((resolve) => release.push(resolve));
    };
    const { engine } = await ready({ publish });
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1000, start: '0' }));
    // A later block closes the first: its OPEN is published within this very call, not in a
    // microtask after whatever else the caller's turn holds.
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1001, start: '1' }));
    expect(published).toEqual(['BTC:OPEN:1']);
    // BTC's publish is still in flight: its INCREASE waits behind it. ETH is idle: at once.
    engine.flush();
    engine.ingest('inf-1', fill({ coin: 'ETH', side: 'A', sz: '2', time: 1002, start: '0' }));
    engine.flush();
    expect(published).toEqual(['BTC:OPEN:1', 'ETH:OPEN:-2']);
    release[0]?.();
    await vi.waitFor(() => expect(published).toHaveLength(3));
    expect(published[2]).toBe('BTC:INCREASE:2');
    for (const r of release) r();
  });
});
