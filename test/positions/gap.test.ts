import { describe, expect, it } from 'vitest';
import { dec } from '../../src/core/index.js';
import type { FillEvent } from '../../src/core/index.js';
import type { FillHistory, PositionSnapshot, PositionSource } from '../../src/positions/index.js';
import { USER, engineWith, fill } from './helpers.js';

const flat: PositionSource = { positions: () => Promise.resolve({ positions: new Map(), time: 500 }) };

function history(fills: FillEvent[], truncated = false): FillHistory & { calls: [number, number][] } {
  const calls: [number, number][] = [];
  return {
    calls,
    userFillsByTime: (_user, startMs, endMs) => {
      calls.push([startMs, endMs]);
      return Promise.resolve({
        fills: fills
          .filter((f) => f.time >= startMs && f.time <= endMs)
          .map((f) => ({
            ...f,
            source: { ...f.source, delivery: 'backfill' as const, listenerId: 'backfill' },
          })),
        truncated,
      });
    },
  };
}

/** Admit, ingest `fills` in order and let every repair finish. */
async function run(fills: readonly FillEvent[], opts: Parameters<typeof engineWith>[0]) {
  const r = engineWith(opts);
  await r.engine.admit('inf-1', USER);
  for (const f of fills) r.engine.ingest('inf-1', f);
  r.engine.flush();
  await r.engine.idle();
  return r;
}

describe('gap detection and repair', () => {
  it('backfills missing fills in order, flags them, and holds later fills meanwhile', async () => {
    const a = fill({ side: 'B', sz: '1', time: 1000, start: '0' });
    const b = fill({ side: 'B', sz: '1', time: 2000, start: '1' });
    const c = fill({ side: 'B', sz: '1', time: 3000, start: '2' });
    const d = fill({ side: 'A', sz: '3', time: 4000, start: '3' });
    const fh = history([a, b, c]);
    const { engine, signals, counts } = engineWith({ positionSource: flat, fillHistory: fh });
    await engine.admit('inf-1', USER);
    engine.ingest('inf-1', a);
    engine.ingest('inf-1', c); // b is missing
    engine.ingest('inf-1', d); // closes c's block -> gap -> repair; d is held
    await engine.idle();
    engine.flush();
    expect(counts['gap']).toBe(1);
    expect(fh.calls).toEqual([[1000, 3000]]);
    expect(signals.map((s) => [s.action, s.position, s.quality.backfilled])).toEqual([
      ['OPEN', '1', false],
      ['INCREASE', '2', true],
      ['INCREASE', '3', false],
      ['CLOSE', '0', false],
    ]);
    expect(signals[1]?.sourceEventIds).toEqual([b.eventId]);
  });

  it('a truncated backfill reconciles against the position source with a RECONCILE signal', async () => {
    const a = fill({ side: 'B', sz: '1', time: 1000, start: '0' });
    const c = fill({ side: 'B', sz: '1', time: 3000, start: '5' });
    let calls = 0;
    const source: PositionSource = {
      positions: () =>
        Promise.resolve(
          calls++ === 0
            ? { positions: new Map(), time: 500 }
            : { positions: new Map([['BTC', dec('6')]]), time: 3500 },
        ),
    };
    const { engine, signals, counts } = await run([a, c], {
      positionSource: source,
      fillHistory: history([], true),
    });
    expect(counts['reconcile']).toBe(1);
    const r = signals[1];
    expect(r).toMatchObject({
      action: 'RECONCILE',
      previousPosition: '1',
      position: '6',
      deltaSize: '5',
      price: null,
      timestamp: 3500,
    });
    expect(r?.quality.reconciled).toBe(true);
    expect(r?.metadata.reconcileReason).toBe('backfill-truncated');
    expect(r?.sourceEventIds).toEqual([c.eventId]); // c is already inside the snapshot
    expect(engine.position('inf-1', 'BTC')?.toString()).toBe('6');
  });

  it('a backfill that still does not chain reconciles (reason backfill-unchained)', async () => {
    const a = fill({ side: 'B', sz: '1', time: 1000, start: '0' });
    const c = fill({ side: 'B', sz: '1', time: 3000, start: '5' });
    const source: PositionSource = {
      positions: () => Promise.resolve({ positions: new Map([['BTC', dec('0')]]), time: 500 }),
    };
    const { signals, counts } = await run([a, c], { positionSource: source, fillHistory: history([a, c]) });
    // The snapshot (time 500) predates our last fill, so it is not trusted: the jump goes to
    // c's start, explicitly, then c applies.
    expect(signals.map((s) => [s.action, s.position, s.metadata.reconcileReason])).toEqual([
      ['OPEN', '1', null],
      ['RECONCILE', '5', 'backfill-unchained'],
      ['INCREASE', '6', null],
    ]);
    expect(counts['error']).toBe(1);
  });

  it('without ports a gap becomes an explicit RECONCILE to where the fills start', async () => {
    const { engine, signals } = engineWith();
    await engine.admit('inf-1', USER);
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1000, start: '0' }));
    engine.ingest('inf-1', fill({ side: 'A', sz: '1', time: 2000, start: '3' }));
    engine.flush();
    await engine.close();
    expect(
      signals.map((s) => [s.action, s.previousPosition, s.position, s.metadata.reconcileReason]),
    ).toEqual([
      ['OPEN', '0', '1', null],
      ['RECONCILE', '1', '3', 'no-backfill'],
      ['DECREASE', '3', '2', null],
    ]);
  });

  it('a self-trade pair is one net-zero step for the chain check', async () => {
    const { engine, signals, counts } = engineWith({ positionSource: flat });
    await engine.admit('inf-1', USER);
    engine.ingest('inf-1', fill({ side: 'B', sz: '2', time: 1000, start: '0' }));
    engine.ingest('inf-1', fill({ side: 'A', sz: '1', time: 1001, start: '2', tid: 5, oid: 1 }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1001, start: '2', tid: 5, oid: 2 }));
    engine.ingest('inf-1', fill({ side: 'B', sz: '1', time: 1002, start: '2' }));
    engine.flush();
    await engine.idle();
    expect(counts['gap']).toBeUndefined();
    expect(signals.map((s) => s.action)).toEqual(['OPEN', 'INCREASE']);
  });
});

describe('market-stream accumulation and periodic reconciliation', () => {
  it('accumulates signed sizes without startPosition and reconciles on mismatch only', async () => {
    const source: PositionSource = {
      positions: () => Promise.resolve({ positions: new Map([['ETH', dec('1')]]), time: 500 }),
    };
    const { engine, signals, counts } = engineWith({ positionSource: source });
    await engine.admit('inf-1', USER);
    engine.ingest('inf-1', fill({ coin: 'ETH', side: 'B', sz: '2', time: 1000, start: null }));
    engine.ingest('inf-1', fill({ coin: 'ETH', side: 'A', sz: '0.5', time: 1001, start: null }));
    engine.flush();
    expect(signals.map((s) => [s.action, s.position])).toEqual([
      ['INCREASE', '3'],
      ['DECREASE', '2.5'],
    ]);
    engine.reconcile('inf-1', { positions: new Map([['ETH', dec('2.5')]]), time: 2000 });
    expect(signals).toHaveLength(2);
    engine.reconcile('inf-1', { positions: new Map([['ETH', dec('2')]]), time: 3000 });
    expect(signals[2]).toMatchObject({ action: 'RECONCILE', position: '2', previousPosition: '2.5' });
    expect(signals[2]?.metadata.reconcileReason).toBe('market-stream');
    // A snapshot older than fills already applied is not trusted.
    engine.ingest('inf-1', fill({ coin: 'ETH', side: 'B', sz: '1', time: 4000, start: null }));
    engine.flush();
    engine.reconcile('inf-1', { positions: new Map([['ETH', dec('9')]]), time: 3500 });
    expect(signals.at(-1)?.action).toBe('INCREASE');
    expect(counts['reconcile']).toBe(1);
    // Nor is one stamped in the millisecond of the last fill: it may predate that fill.
    engine.reconcile('inf-1', { positions: new Map([['ETH', dec('2')]]), time: 4000 });
    expect(signals.at(-1)?.action).toBe('INCREASE');
    expect(counts['reconcile']).toBe(1);
    engine.reconcile('inf-1', { positions: new Map([['ETH', dec('3')]]), time: 4001 });
    expect(counts['reconcile']).toBe(1); // agrees: nothing to do
  });
});

describe('snapshots stamped in the millisecond of a fill', () => {
  it('a repair asks again when the snapshot does not postdate the last applied fill', async () => {
    const a = fill({ side: 'B', sz: '1', time: 1000, start: '0' });
    const c = fill({ side: 'B', sz: '1', time: 3000, start: '5' });
    // Admission, then a snapshot from a's millisecond that does not contain a yet, then a later one.
    const answers: PositionSnapshot[] = [
      { positions: new Map(), time: 500 },
      { positions: new Map(), time: 1000 },
      { positions: new Map([['BTC', dec('6')]]), time: 3500 },
    ];
    let calls = 0;
    const source: PositionSource = {
      positions: () => {
        const answer = answers[Math.min(calls++, answers.length - 1)];
        return answer ? Promise.resolve(answer) : Promise.reject(new Error('no answer'));
      },
    };
    const { signals, counts } = await run([a, c], {
      positionSource: source,
      fillHistory: history([], true),
    });
    expect(calls).toBe(3);
    expect(counts['error']).toBeUndefined();
    expect(signals.map((s) => [s.action, s.position, s.metadata.reconcileReason])).toEqual([
      ['OPEN', '1', null],
      ['RECONCILE', '6', 'backfill-truncated'],
    ]);
  });
});
