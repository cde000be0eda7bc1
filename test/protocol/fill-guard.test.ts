/** FillGuard: the one boundary validator of fills and trades (WS userFills, trades, REST pages). */
import { describe, expect, it, vi } from 'vitest';
import { FillGuard, isWellFormedCoin, safePayload, userFillsByTimeAll } from '../../src/protocol/index.js';
import type { DeadLetter } from '../../src/core/index.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const clock = { now: () => NOW };
const USER = `0x${'ab'.repeat(20)}`;

const fill = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  coin: 'ETH',
  px: '3012.5',
  sz: '0.25',
  side: 'B',
  time: NOW - 5000,
  startPosition: '0',
  dir: 'Open Long',
  crossed: true,
  fee: '0.1',
  tid: 77,
  oid: 5,
  hash: `0x${'1'.repeat(64)}`,
  ...over,
});

function reasonOf(g: FillGuard, raw: unknown): string {
  const r = g.fill(raw, 'f');
  return r.ok ? 'ok' : r.reason;
}

describe('FillGuard', () => {
  const g = new FillGuard({ clock, maxFutureSkewMs: 30_000 });

  it('accepts an ordinary fill and hands back its payload text', () => {
    const r = g.fill(fill(), 'f');
    expect(r.ok).toBe(true);
    if (r.ok) expect(JSON.parse(r.payload)).toEqual(fill());
  });

  it('bounds event times at now + the allowed skew', () => {
    expect(reasonOf(g, fill({ time: NOW + 30_000 }))).toBe('ok');
    expect(reasonOf(g, fill({ time: NOW + 30_001 }))).toBe('future_time');
    expect(reasonOf(g, fill({ time: NOW + 400 * 86_400_000 }))).toBe('future_time');
    expect(reasonOf(g, fill({ time: 2 ** 53 - 1 }))).toBe('future_time');
    // Past the safe range is a schema problem already.
    expect(reasonOf(g, fill({ time: 2 ** 53 }))).toBe('schema_mismatch');
    const strict = new FillGuard({ clock, maxFutureSkewMs: 0 });
    expect(reasonOf(strict, fill({ time: NOW + 1 }))).toBe('future_time');
  });

  it('refuses sizes and prices that are not > 0, whichever the side', () => {
    for (const sz of ['-5', '0', '0.000', '-0.0001', '00'])
      expect(reasonOf(g, fill({ sz, side: 'B' })), sz).toBe('impossible_value');
    for (const px of ['0', '-100', '0.0', '-0.5'])
      expect(reasonOf(g, fill({ px })), px).toBe('impossible_value');
    expect(reasonOf(g, fill({ sz: '0.00000001', px: '0.000001' }))).toBe('ok');
    const r = g.fill(fill({ sz: '-5' }), 'userFills.data.fills.3');
    expect(r.ok ? '' : r.detail).toBe('userFills.data.fills.3: sz -5 is not > 0');
  });

  it('bounds digits and scale instead of cutting them (no silent rounding)', () => {
    expect(reasonOf(g, fill({ sz: `1${'0'.repeat(19)}` }))).toBe('ok'); // 20 integer digits
    expect(reasonOf(g, fill({ sz: `0.${'1'.repeat(20)}` }))).toBe('ok'); // 20 fraction digits
    expect(reasonOf(g, fill({ sz: `1${'0'.repeat(20)}` }))).toBe('bad_decimal');
    expect(reasonOf(g, fill({ px: `1.${'3'.repeat(21)}` }))).toBe('bad_decimal');
    expect(reasonOf(g, fill({ px: `0.${'1'.repeat(70)}` }))).toBe('bad_decimal');
    expect(reasonOf(g, fill({ sz: '9'.repeat(1000) }))).toBe('bad_decimal');
    // Every decimal field, not only px/sz.
    expect(reasonOf(g, fill({ startPosition: `-${'7'.repeat(40)}` }))).toBe('bad_decimal');
    expect(reasonOf(g, fill({ fee: `0.${'0'.repeat(30)}1` }))).toBe('bad_decimal');
    const r = g.fill(fill({ px: `0.${'1'.repeat(70)}` }), 'f');
    expect(r.ok ? '' : r.detail).toContain('at most 20 integer and 20 fraction digits');
  });

  it('checks coins against a pattern', () => {
    for (const coin of ['BTC', 'kPEPE', 'xyz:TSLA', '@107', 'PURR/USDC', '#118440', '+5', 'UBTC/USDC'])
      expect(isWellFormedCoin(coin), coin).toBe(true);
    for (const coin of [
      '<img src=x onerror=alert(1)>',
      '__proto__',
      'constructor ',
      'A'.repeat(100_000),
      '',
      'BTC\n',
      'a:b:c',
      '@',
      '@1234567',
      '../etc',
      'BTC\u0000',
    ])
      expect(isWellFormedCoin(coin), JSON.stringify(coin.slice(0, 20))).toBe(false);
    expect(reasonOf(g, fill({ coin: '__proto__' }))).toBe('bad_coin');
    const r = g.fill(fill({ coin: 'A'.repeat(100_000) }), 'f');
    expect(r.ok ? '' : r.detail.length).toBeLessThan(200);
  });

  it('checks coins of the classes the universe covers against it, and asks for a refresh once', () => {
    const onUnknownCoin = vi.fn();
    const u = new FillGuard({ clock, onUnknownCoin });
    expect(reasonOf(u, fill({ coin: 'NEWCOIN' }))).toBe('ok'); // universe not known yet: pattern only
    u.setUniverse(['BTC', 'ETH', 'xyz:TSLA'], ['perp', 'hip3']);
    expect(reasonOf(u, fill({ coin: 'ETH' }))).toBe('ok');
    expect(reasonOf(u, fill({ coin: 'NEWCOIN' }))).toBe('bad_coin');
    expect(reasonOf(u, fill({ coin: 'NEWCOIN' }))).toBe('bad_coin');
    expect(reasonOf(u, fill({ coin: 'xyz:NVDA' }))).toBe('bad_coin');
    expect(onUnknownCoin.mock.calls).toEqual([['NEWCOIN'], ['xyz:NVDA']]);
    // Spot and outcome markets are outside a perp universe: pattern only.
    expect(reasonOf(u, fill({ coin: '@107' }))).toBe('ok');
    expect(reasonOf(u, fill({ coin: '#118440' }))).toBe('ok');
    u.setUniverse(['BTC', '@107'], ['perp', 'hip3', 'spot']);
    expect(reasonOf(u, fill({ coin: '@108' }))).toBe('bad_coin');
  });

  it('refuses a fill nested too deep to serialise, with a bounded payload, without throwing', () => {
    const n = 50_000;
    const raw = JSON.parse(`{"coin":"ETH","extra":${'['.repeat(n)}0${']'.repeat(n)}}`) as Record<
      string,
      unknown
    >;
    const r = g.fill({ ...fill(), extra: raw['extra'] }, 'f');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('unserializable');
      expect(r.payload).toContain('"coin":"ETH"');
      expect(r.payload).toContain('nested too deep');
    }
    expect(safePayload({ a: 1 })).toBe('{"a":1}');
  });

  it('judges trades rows with the same checks', () => {
    const trade = {
      coin: 'BTC',
      side: 'A',
      px: '100',
      sz: '1',
      time: NOW,
      hash: '0x0',
      tid: 1,
      users: [USER, `0x${'cd'.repeat(20)}`],
    };
    expect(g.trade(trade, 't').ok).toBe(true);
    const r = g.trade({ ...trade, sz: '-5' }, 't');
    expect(r.ok ? '' : r.reason).toBe('impossible_value');
    const f = g.trade({ ...trade, time: NOW + 86_400_000 }, 't');
    expect(f.ok ? '' : f.reason).toBe('future_time');
  });
});

describe('REST backfill pages go through the same guard', () => {
  it('dead-letters bad rows, keeps the good rows of the page, and never pages by a future time', async () => {
    const dead: DeadLetter[] = [];
    const pages: unknown[][] = [
      [
        fill({ tid: 1, time: NOW - 3000 }),
        fill({ tid: 2, time: 2 ** 53 - 1 }),
        fill({ tid: 3, sz: '-5', time: NOW - 2000 }),
        fill({ tid: 4, coin: '<b>x</b>', time: NOW - 2000 }),
        fill({ tid: 5, time: NOW - 1000 }),
      ],
    ];
    const calls: number[] = [];
    const source = {
      userFillsByTime: (_u: string, start: number): Promise<readonly unknown[]> => {
        calls.push(start);
        return Promise.resolve(pages[calls.length - 1] ?? []);
      },
    };
    const r = await userFillsByTimeAll(source, USER, NOW - 10_000, NOW, {
      now: () => NOW,
      pageSize: 5,
      guard: new FillGuard({ clock }),
      onDeadLetter: (d) => dead.push(d),
    });
    expect(r.events.map((e) => e.tid)).toEqual([1, 5]);
    expect(r.raw.map((f) => f.tid)).toEqual([1, 5]);
    expect(dead.map((d) => d.reason)).toEqual(['future_time', 'impossible_value', 'bad_coin']);
    expect(dead[0]).toMatchObject({ listenerId: 'backfill', channel: 'userFillsByTime' });
    // The next page starts at the last accepted time, not at 2^53-1.
    expect(calls).toEqual([NOW - 10_000, NOW - 1000]);
  });
});
