import { describe, expect, it } from 'vitest';
import { dec } from '../../src/core/index.js';
import type { PositionSource } from '../../src/positions/index.js';
import { USER, engineWith, fill } from './helpers.js';

const flat: PositionSource = { positions: () => Promise.resolve({ positions: new Map(), time: 500 }) };

describe('reconcile scope', () => {
  it('a snapshot covering only the main dex leaves HIP-3 markets alone', async () => {
    const { engine, signals } = engineWith({ positionSource: flat });
    await engine.admit('inf-1', USER);
    engine.ingest('inf-1', fill({ coin: 'BTC', side: 'B', sz: '1', time: 1000, start: '0' }));
    engine.ingest('inf-1', fill({ coin: 'xyz:TSLA', side: 'B', sz: '2', time: 1000, start: '0' }));
    engine.flush();
    await engine.idle();
    const before = signals.length;
    // WS clearinghouseState for dex '' only: BTC agrees, xyz:TSLA is simply not covered.
    engine.reconcile('inf-1', { positions: new Map([['BTC', dec('1')]]), time: 5000, dexes: [''] });
    await engine.idle();
    expect(signals.length).toBe(before);
    expect(engine.position('inf-1', 'xyz:TSLA')?.toString()).toBe('2');

    // The same snapshot without a scope claims TSLA is flat: that is a RECONCILE.
    engine.reconcile('inf-1', { positions: new Map([['BTC', dec('1')]]), time: 5000 });
    await engine.idle();
    expect(signals.slice(before).map((s) => [s.action, s.market, s.position])).toEqual([
      ['RECONCILE', 'xyz:TSLA', '0'],
    ]);
  });
});
