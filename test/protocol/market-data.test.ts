/**
 * The market-data feeds in the protocol layer: frame schemas for candle / bbo / activeAssetCtx /
 * activeSpotAssetCtx (docs-shaped samples accepted, a number where a decimal string belongs is a
 * `bad_decimal` dead letter naming the field), candle buckets, subscription keys, the
 * candleSnapshot weight, and the real HlWsConnection + InfoClient against the simulator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DeadLetter } from '../../src/core/index.js';
import {
  EgressBudget,
  FrameParser,
  HlWsConnection,
  InfoClient,
  candleBucket,
  itemWeight,
  subscriptionKey,
  type ConnectionEvents,
} from '../../src/protocol/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { JumpClock } from '../sim/helpers.js';

function parser(): { p: FrameParser; dead: DeadLetter[] } {
  const dead: DeadLetter[] = [];
  return { p: new FrameParser({ listenerId: 't', onDeadLetter: (d) => dead.push(d) }), dead };
}

const candle = {
  t: 1681923600000,
  T: 1681927199999,
  s: 'BTC',
  i: '1h',
  o: '29295.0',
  c: '29258.0',
  h: '29309.0',
  l: '29250.0',
  v: '0.98639',
  n: 189,
};

describe('market-data frame schemas', () => {
  it.each([
    ['candle (one object)', { channel: 'candle', data: candle }],
    ['candle (array, as the docs type it)', { channel: 'candle', data: [candle] }],
    [
      'bbo',
      {
        channel: 'bbo',
        data: {
          coin: 'ETH',
          time: 1700000000000,
          bbo: [
            { px: '3500.1', sz: '1.2', n: 3 },
            { px: '3500.2', sz: '0.4', n: 1 },
          ],
        },
      },
    ],
    [
      'bbo with an empty side',
      { channel: 'bbo', data: { coin: 'X', time: 1, bbo: [null, { px: '1.0', sz: '2.0', n: 1 }] } },
    ],
    [
      'activeAssetCtx',
      {
        channel: 'activeAssetCtx',
        data: {
          coin: 'BTC',
          ctx: {
            funding: '0.0000125',
            openInterest: '26845.21',
            prevDayPx: '71000.0',
            dayNtlVlm: '1234567.8',
            premium: '0.0002',
            oraclePx: '72010.0',
            markPx: '72020.0',
            midPx: '72019.5',
            impactPxs: ['72019.0', '72021.0'],
            dayBaseVlm: '17.2',
          },
        },
      },
    ],
    [
      'activeSpotAssetCtx',
      {
        channel: 'activeSpotAssetCtx',
        data: {
          coin: '@107',
          ctx: {
            prevDayPx: '30.0',
            dayNtlVlm: '10.0',
            markPx: '30.1',
            midPx: '30.05',
            circulatingSupply: '1.0',
            coin: '@107',
            totalSupply: '1.0',
            dayBaseVlm: '1.0',
          },
        },
      },
    ],
  ])('accepts %s', (_name, frame) => {
    const { p } = parser();
    const r = p.parse(JSON.stringify(frame));
    expect(r.kind, JSON.stringify(r)).toBe('frame');
  });

  it('dead-letters a candle whose price is a JSON number, naming the field', () => {
    const { p, dead } = parser();
    const r = p.parse(JSON.stringify({ channel: 'candle', data: { ...candle, h: 29309 } }));
    expect(r.kind).toBe('deadLetter');
    expect(dead[0]?.reason).toBe('bad_decimal');
    expect(dead[0]?.detail).toMatch(/candle: field data\.0\.h/);
  });

  it('dead-letters a candle with an interval outside the enum', () => {
    const { p, dead } = parser();
    p.parse(JSON.stringify({ channel: 'candle', data: { ...candle, i: '2m' } }));
    expect(dead[0]?.reason).toBe('schema_mismatch');
  });

  it('buckets candles on the epoch, months on the UTC calendar', () => {
    expect(candleBucket('1m', 60_000 * 5 + 17)).toEqual({ t: 300_000, T: 359_999 });
    expect(candleBucket('1h', Date.UTC(2026, 1, 3, 4, 59))).toEqual({
      t: Date.UTC(2026, 1, 3, 4),
      T: Date.UTC(2026, 1, 3, 5) - 1,
    });
    expect(candleBucket('1M', Date.UTC(2026, 1, 28, 23))).toEqual({
      t: Date.UTC(2026, 1, 1),
      T: Date.UTC(2026, 2, 1) - 1,
    });
  });

  it('keys market subscriptions by coin (and interval), and charges candleSnapshot per 60 candles', () => {
    expect(subscriptionKey({ type: 'candle', coin: 'BTC', interval: '1m' })).not.toBe(
      subscriptionKey({ type: 'candle', coin: 'BTC', interval: '5m' }),
    );
    expect(subscriptionKey({ type: 'bbo', coin: 'BTC' })).not.toBe(
      subscriptionKey({ type: 'activeAssetCtx', coin: 'BTC' }),
    );
    expect(itemWeight('candleSnapshot', 60)).toBe(1);
    expect(itemWeight('candleSnapshot', 61)).toBe(2);
    expect(itemWeight('userFills', 21)).toBe(2);
  });
});

describe('market-data feeds against the simulator', () => {
  let sim: Simulator | undefined;
  let conn: HlWsConnection | undefined;
  afterEach(async () => {
    await conn?.close();
    await sim?.close();
    conn = sim = undefined;
  });

  it('HlWsConnection subscribes candle, bbo and activeAssetCtx (acks matched) and parses every push; InfoClient reads candleSnapshot', async () => {
    const clock = new JumpClock(Date.UTC(2026, 11, 4, 12));
    const s = (sim = await startSimulator({ seed: 4, accounts: 1, tickMs: 0, noisePerBlock: 8 }, { clock }));
    const c = (conn = new HlWsConnection({
      id: 'md',
      url: s.wsUrl,
      budget: new EgressBudget({ clock }),
      clock,
    }));
    const frames: ConnectionEvents['frame'][] = [];
    const dead: DeadLetter[] = [];
    c.on('frame', (f) => frames.push(f));
    c.on('deadLetter', (d) => dead.push(d));
    c.start();
    await Promise.all([
      c.subscribe({ type: 'candle', coin: 'BTC', interval: '1m' }),
      c.subscribe({ type: 'bbo', coin: 'BTC' }),
      c.subscribe({ type: 'activeAssetCtx', coin: 'BTC' }),
    ]);
    expect(c.subscriptions().every((x) => x.active)).toBe(true);
    for (let i = 0; i < 30; i++) {
      clock.advance(10_000);
      s.step(1);
    }
    const btcBlocks = new Set(s.groundTruth.trades('BTC').map((t) => t.time)).size;
    const count = (ch: string): number => frames.filter((f) => f.channel === ch).length;
    const done = new Promise<void>((resolve) => {
      const check = (): void => {
        if (count('candle') === btcBlocks && count('activeAssetCtx') === 31) resolve();
      };
      check();
      c.on('frame', check);
    });
    await done;
    expect(dead).toEqual([]);
    expect(count('bbo')).toBe(1 + btcBlocks);

    const info = new InfoClient({ url: s.infoUrl, clock });
    const snap = await info.candleSnapshot('BTC', '1m', 0);
    expect(snap).toEqual(s.groundTruth.candles('BTC', '1m'));
    expect(info.weightBudget.total()).toBe(20 + Math.ceil(snap.length / 60));
  });
});
