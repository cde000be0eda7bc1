import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { must } from './must.js';
import type { DeadLetter } from '../../src/core/index.js';
import { TradesFastPath } from '../../src/protocol/index.js';
import { makeTape } from '../../bench/trades-fastpath.js';

const hex40 = fc.stringMatching(/^[0-9a-f]{40}$/);
const addrPool = fc.array(
  hex40.map((h) => `0x${h}`),
  { minLength: 4, maxLength: 8 },
);

/** Render an address the ways JSON allows: as-is, upper-case hex, upper-case 0X, or \\u-escaped. */
function render(addr: string, style: number): string {
  switch (style) {
    case 1:
      return `0x${addr.slice(2).toUpperCase()}`;
    case 2:
      return `0X${addr.slice(2)}`;
    case 3:
      return [...addr].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    case 4:
      return `\\u0030x${addr.slice(2)}`;
    default:
      return addr;
  }
}

const frameArb = addrPool.chain((pool) =>
  fc.record({
    pool: fc.constant(pool),
    trackedMask: fc.array(fc.boolean(), { minLength: pool.length, maxLength: pool.length }),
    spacing: fc.constantFrom('', ' ', '\n  ', '\t'),
    trades: fc.array(
      fc.record({
        coin: fc.constantFrom('BTC', 'xyz:TSLA', '@107', 'PURR/USDC', '0x0', 'a\\"b'),
        side: fc.constantFrom('B', 'A'),
        px: fc.constantFrom('72581.0', '0.01', '1'),
        buyer: fc.nat(pool.length - 1),
        seller: fc.nat(pool.length - 1),
        bStyle: fc.nat(4),
        sStyle: fc.nat(4),
        zeroHash: fc.boolean(),
      }),
      { minLength: 0, maxLength: 6 },
    ),
  }),
);

function buildFrame(f: {
  pool: string[];
  spacing: string;
  trades: {
    coin: string;
    side: string;
    px: string;
    buyer: number;
    seller: number;
    bStyle: number;
    sStyle: number;
    zeroHash: boolean;
  }[];
}): string {
  const s = f.spacing;
  const rows = f.trades.map(
    (t, i) =>
      `{${s}"coin"${s}:${s}"${t.coin}",${s}"side":"${t.side}","px":"${t.px}","sz":"0.1","time":${1000 + i},` +
      `"hash":"0x${t.zeroHash ? '0'.repeat(64) : 'ab'.repeat(32)}","tid":${i + 1},` +
      `"users"${s}:${s}[${s}"${render(must(f.pool[t.buyer]), t.bStyle)}",${s}"${render(must(f.pool[t.seller]), t.sStyle)}"${s}]}`,
  );
  return `{${s}"channel"${s}:${s}"trades",${s}"data":${s}[${rows.join(`,${s}`)}]}`;
}

describe('TradesFastPath', () => {
  it('property: fast path result == slow path result on random frames', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const tracked = f.pool.filter((_, i) => f.trackedMask[i]);
        const fast = new TradesFastPath({ listenerId: 'f', tracked });
        const slow = new TradesFastPath({ listenerId: 's', tracked });
        const text = buildFrame(f);
        const a = fast.process(text);
        const b = slow.parseAndMatch(text);
        const norm = (r: typeof a): unknown =>
          r.kind === 'skipped'
            ? []
            : r.kind === 'matched'
              ? r.trades.map((m) => [m.trade.tid, m.tracked])
              : r.kind;
        expect(norm(a)).toEqual(norm(b));
        // Never a miss: if the slow path matched anything the fast path must have parsed.
        if (b.kind === 'matched' && b.trades.length > 0) expect(a.kind).toBe('matched');
      }),
      { numRuns: 500 },
    );
  });

  it('finds exactly the baseline answer on a realistic tape and skips most frames', () => {
    const { frames, tracked } = makeTape(2000, 7);
    const set = new Set(tracked);
    const fp = new TradesFastPath({ listenerId: 'x', tracked });
    let expected = 0;
    let got = 0;
    for (const f of frames) {
      const d = (JSON.parse(f) as { data: { users: [string, string] }[] }).data;
      expected += d.filter((t) => set.has(t.users[0]) || set.has(t.users[1])).length;
      const r = fp.process(f);
      if (r.kind === 'matched') got += r.trades.length;
    }
    expect(got).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    expect(fp.stats().skipped).toBeGreaterThan(fp.stats().parsed);
  });

  it('dead-letters malformed frames that contain a tracked address, drops others cheaply', () => {
    const dead: DeadLetter[] = [];
    const u = `0x${'a'.repeat(40)}`;
    const fp = new TradesFastPath({ listenerId: 'x', tracked: [u], onDeadLetter: (d) => dead.push(d) });
    const good = `{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1.0","sz":"2","time":1,"hash":"0x0","tid":5,"users":["${u}","0x${'b'.repeat(40)}"]}]}`;
    expect(fp.process(good).kind).toBe('matched');
    // A bad row naming a tracked address is dead-lettered on its own; the frame's other rows go on.
    const bad = fp.process(good.replace('"px":"1.0"', '"px":1.0'));
    expect(bad).toEqual({ kind: 'matched', trades: [] });
    expect(dead[0]?.reason).toBe('bad_decimal');
    expect(dead[0]?.payload).toContain('"px":1');
    expect(fp.process(good.slice(0, -3)).kind).toBe('deadLetter');
    expect(dead[1]?.reason).toBe('invalid_json');
    const untracked = good.replaceAll(u, `0x${'c'.repeat(40)}`);
    expect(fp.process(untracked.slice(0, -3)).kind).toBe('skipped');
    expect(fp.stats()).toMatchObject({ frames: 4, skipped: 1, parsed: 3, deadLetters: 2, matchedTrades: 1 });
  });

  it('keeps the good rows of a frame when one tracked row is bad', () => {
    const dead: DeadLetter[] = [];
    const u = `0x${'a'.repeat(40)}`;
    const fp = new TradesFastPath({ listenerId: 'x', tracked: [u], onDeadLetter: (d) => dead.push(d) });
    const row = (tid: number, px: string, sz: string, coin = 'BTC'): string =>
      `{"coin":"${coin}","side":"B","px":"${px}","sz":"${sz}","time":1,"hash":"0x0","tid":${tid},"users":["${u}","0x${'b'.repeat(40)}"]}`;
    const r = fp.process(
      `{"channel":"trades","data":[${row(1, '1.0', '2')},${row(2, '1.0', '-5')},${row(3, '0', '1')},${row(4, '1', '1', '__proto__')},${row(5, '2.5', '1')}]}`,
    );
    if (r.kind !== 'matched') throw new Error(`expected matched, got ${r.kind}`);
    expect(r.trades.map((t) => t.trade.tid)).toEqual([1, 5]);
    expect(dead.map((d) => d.reason)).toEqual(['impossible_value', 'impossible_value', 'bad_coin']);
    expect(dead[0]?.detail).toContain('trades.data.1');
  });

  it('produces FillEvents for each tracked side', () => {
    const u = `0x${'a'.repeat(40)}`;
    const fp = new TradesFastPath({ listenerId: 'x', tracked: [u.toUpperCase().replace('0X', '0x')] });
    const r = fp.process(
      `{"channel":"trades","data":[{"coin":"BTC","side":"A","px":"1.0","sz":"2","time":1,"hash":"0x0","tid":5,"users":["0x${'b'.repeat(40)}","${u}"]}]}`,
    );
    if (r.kind !== 'matched') throw new Error('expected a match');
    const ev = TradesFastPath.toEvents(r.trades, {
      listenerId: 'm',
      listenerKind: 'market-stream',
      delivery: 'live',
      receivedAt: 0,
    });
    expect(ev.map((e) => [e.user, e.side, e.crossed])).toEqual([[u, 'A', true]]);
  });
});
