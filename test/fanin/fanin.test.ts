import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Address, FillEvent } from '../../src/core/index.js';
import type { DedupStore, FanInBatch, FanInOptions } from '../../src/fanin/index.js';
import { MemoryDedupStore, orderBlock } from '../../src/fanin/index.js';
import { copyFrom, fanInUnderTest, fill, U1, U2 } from './helpers.js';
import { until } from '../kit/index.js';

const P = 'inf-1/primary';
const S = 'inf-1/secondary';

function setup(extra: Partial<FanInOptions> = {}) {
  const { clock, out, fanin } = fanInUnderTest(extra);
  const ids = (pred: (b: FanInBatch) => boolean = () => true): string[] =>
    out.filter(pred).flatMap((b) => b.fills.map((f) => f.eventId));
  return { clock, out, fanin, ids };
}

describe('FanIn dedup', () => {
  it('emits the first arrival once, suppresses and counts later copies per listener, measures the lead', () => {
    const { clock, fanin, out } = setup();
    const leads: number[] = [];
    fanin.events.on('firstDelivery', (e) => leads.push(e.leadMs));
    const a = fill({ tid: 1, receivedAt: 10, listenerId: P });
    fanin.push([a]);
    expect(fanin.stats().trackedDeliveries).toBe(1);
    fanin.push([copyFrom(a, S, 35)]);
    // No expected listeners known (as in a processor process): measured, the entry goes at once
    // instead of waiting out its miss grace.
    expect(fanin.stats().trackedDeliveries).toBe(0);
    fanin.push([copyFrom(a, S, 40, 'snapshot')]);
    clock.advance(100);
    expect(out.flatMap((b) => b.fills)).toEqual([a]);
    expect(fanin.stats()).toMatchObject({
      received: 3,
      firstArrivals: 1,
      duplicates: 2,
      duplicatesByListener: { [S]: 2 },
    });
    expect(leads).toEqual([25]);
  });

  it('deduplicates a snapshot but never skips a snapshot fill it has not seen', () => {
    const { clock, fanin, out } = setup();
    const live = fill({ tid: 1, time: 1000 });
    const missed = fill({ tid: 2, time: 1000, start: '1', delivery: 'snapshot', listenerId: S });
    fanin.push([live]);
    fanin.push([copyFrom(live, S, 0, 'snapshot'), missed]);
    clock.advance(100);
    expect(out.flatMap((b) => b.fills.map((f) => f.tid))).toEqual([1, 2]);
  });

  it('does not claim fills of users nobody tracks, and reports them', () => {
    const { fanin } = setup();
    const seen: string[] = [];
    fanin.events.on('unroutable', (e) => seen.push(e.user));
    const stranger = '0x9999999999999999999999999999999999999999' as Address;
    fanin.push([fill({ user: stranger })]);
    expect(seen).toEqual([stranger]);
    expect(fanin.stats()).toMatchObject({ unroutable: 1, firstArrivals: 0 });
  });

  it('routes one fill to every influencer tracking the address, each key ordered on its own', () => {
    const { clock, fanin, out } = setup({ resolveInfluencers: () => ['a', 'b'] });
    fanin.push([fill({ tid: 1 })]);
    clock.advance(100);
    expect(out.map((b) => b.influencerId).sort()).toEqual(['a', 'b']);
  });

  it('replaces a held trades-feed copy with a later userFills copy that carries startPosition', () => {
    const { clock, fanin, out } = setup();
    const trade = fill({ tid: 1, start: null, kind: 'market-stream', listenerId: S });
    const rich = copyFrom(fill({ tid: 1, start: '3' }), P);
    fanin.push([trade]);
    fanin.push([rich]);
    clock.advance(100);
    expect(out[0]?.fills[0]?.startPosition?.toString()).toBe('3');
    expect(fanin.stats().enriched).toBe(1);
  });
});

describe('FanIn ordering', () => {
  it('holds a block for the window, then releases earlier blocks first', () => {
    const { clock, fanin, out } = setup();
    fanin.push([fill({ tid: 2, time: 2000 })]);
    clock.advance(50);
    fanin.push([fill({ tid: 1, time: 1000, listenerId: S })]);
    expect(out).toHaveLength(0);
    clock.advance(50); // block 2000 due: releases 1000 too
    expect(out.map((b) => [b.blockTime, b.late])).toEqual([
      [1000, false],
      [2000, false],
    ]);
  });

  it('emits a fill for an already released block at once, flagged late, after the released ones', () => {
    const { clock, fanin, out } = setup();
    const lates: string[] = [];
    fanin.events.on('late', (e) => lates.push(e.eventId));
    fanin.push([fill({ tid: 1, time: 1000 }), fill({ tid: 2, time: 2000, start: '1' })]);
    clock.advance(100);
    const straggler = fill({ tid: 3, time: 1000, start: '1', listenerId: S });
    fanin.push([straggler]);
    expect(out.map((b) => [b.blockTime, b.late])).toEqual([
      [1000, false],
      [2000, false],
      [1000, true],
    ]);
    expect(lates).toEqual([straggler.eventId]);
    expect(fanin.stats().late).toBe(1);
  });

  it('keeps keys independent: one coin waiting does not hold another', () => {
    const { clock, fanin, out } = setup();
    fanin.push([fill({ coin: 'BTC', time: 1000 })]);
    clock.advance(60);
    fanin.push([fill({ coin: 'ETH', time: 900 })]);
    clock.advance(40);
    expect(out.map((b) => b.coin)).toEqual(['BTC']);
    clock.advance(60);
    expect(out.map((b) => b.coin)).toEqual(['BTC', 'ETH']);
  });

  it('bounds held fills: beyond maxPendingFills the oldest blocks leave early', () => {
    const { fanin, out } = setup({ maxPendingFills: 2 });
    let forced = 0;
    fanin.events.on('forcedRelease', () => forced++);
    fanin.push([fill({ tid: 1, time: 1 }), fill({ tid: 2, time: 2 }), fill({ tid: 3, time: 3 })]);
    expect(out.map((b) => b.blockTime)).toEqual([1]);
    expect(forced).toBe(1);
  });
});

describe('FanIn single writer', () => {
  it('a slow downstream for one key neither reorders that key nor blocks another', async () => {
    const gates: (() => void)[] = [];
    const seen: string[] = [];
    let concurrentBtc = 0;
    let maxConcurrentBtc = 0;
    const { clock, fanin } = setup({
      deliver: async (b) => {
        seen.push(`${b.coin}@${b.blockTime}:start`);
        if (b.coin === 'BTC') {
          concurrentBtc++;
          maxConcurrentBtc = Math.max(maxConcurrentBtc, concurrentBtc);
          await new Promise<void>((r) => gates.push(r));
          concurrentBtc--;
        }
        seen.push(`${b.coin}@${b.blockTime}:end`);
      },
    });
    fanin.push([fill({ coin: 'BTC', tid: 1, time: 1 }), fill({ coin: 'BTC', tid: 2, time: 2, start: '1' })]);
    fanin.push([fill({ coin: 'ETH', tid: 3, time: 1 })]);
    clock.advance(100);
    await Promise.resolve();
    expect(seen).toEqual(['BTC@1:start', 'ETH@1:start', 'ETH@1:end']);
    gates.shift()?.();
    await until(
      () => seen.length >= 5,
      2000,
      () => `BTC@2 to start after BTC@1 (seen ${seen.join(' ')})`,
    );
    expect(seen.slice(3)).toEqual(['BTC@1:end', 'BTC@2:start']);
    gates.shift()?.();
    await fanin.close();
    expect(seen.at(-1)).toBe('BTC@2:end');
    expect(maxConcurrentBtc).toBe(1);
  });

  it('reports a failing downstream batch and carries on with the next one', async () => {
    const got: number[] = [];
    const { clock, fanin } = setup({
      deliver: (b) => {
        if (b.blockTime === 1) throw new Error('boom');
        got.push(b.blockTime);
      },
    });
    const errors: string[] = [];
    fanin.events.on('deliverError', (e) => errors.push(e.error));
    fanin.push([fill({ tid: 1, time: 1 }), fill({ tid: 2, time: 2, start: '1' })]);
    clock.advance(100);
    await fanin.flush();
    expect(errors).toEqual(['boom']);
    expect(got).toEqual([2]);
  });

  it('close() is idempotent, flushes held blocks and refuses later pushes', async () => {
    const { fanin, out } = setup();
    fanin.push([fill({ tid: 1 })]);
    const c1 = fanin.close();
    expect(fanin.close()).toBe(c1);
    await c1;
    expect(out).toHaveLength(1);
    expect(() => fanin.push([fill({ tid: 2 })])).toThrow(/closed/);
  });
});

describe('FanIn with an asynchronous dedup store', () => {
  it('admits in push order even when claims resolve later', async () => {
    const mem = new MemoryDedupStore({ maxEntries: 100, ttlMs: 1e6 });
    const slow: DedupStore = {
      claim: async (ids, now) => {
        await new Promise((r) => setImmediate(r)); // not synchronisation: the claim answers on a later turn
        return mem.claim(ids, now);
      },
      close: async () => undefined,
    };
    const { fanin, out } = setup({ dedup: slow });
    const a = fill({ tid: 1, time: 1 });
    fanin.push([a]);
    fanin.push([copyFrom(a, S)]);
    fanin.push([fill({ tid: 2, time: 2, start: '1' })]);
    await fanin.flush();
    expect(out.flatMap((b) => b.fills.map((f) => f.tid))).toEqual([1, 2]);
    expect(fanin.stats().duplicatesByListener).toEqual({ [S]: 1 });
  });
});

describe('FanIn missed deliveries', () => {
  it('reports an expected listener that did not deliver a live fill within the grace period', () => {
    const missed: string[] = [];
    const { clock, fanin } = setup({
      missGraceMs: 1000,
      expectedListeners: () => [
        { listenerId: P, kind: 'user-stream' },
        { listenerId: S, kind: 'market-stream' },
      ],
      observer: {
        onFirstArrival: () => undefined,
        onCopy: () => undefined,
        onMissed: (m) => missed.push(m.listenerId),
      },
    });
    const a = fill({ tid: 1, listenerId: P });
    const b = fill({ tid: 2, listenerId: P, time: 2000 });
    const dust = fill({ tid: 0, listenerId: P, time: 3000, dir: 'Spot Dust Conversion' });
    fanin.push([a, b, dust]);
    clock.advance(500);
    fanin.push([copyFrom(a, S)]);
    clock.advance(499);
    expect(missed).toEqual([]);
    clock.advance(1);
    expect(missed).toEqual([S]); // b only: a arrived, dust is not on the trades feed
  });
});

describe('FanIn property: any interleaving and duplication across two listeners', () => {
  // A valid history for two users on two coins: chained fills, several per block, one self-trade pair.
  function history(): FillEvent[] {
    const out: FillEvent[] = [];
    let tid = 1;
    for (const user of [U1, U2]) {
      for (const coin of ['BTC', 'ETH']) {
        let pos = 0;
        for (let block = 0; block < 4; block++) {
          const time = 1000 + block * 70;
          for (let k = 0; k < 3; k++) {
            const sz = ((tid * 7) % 5) + 1;
            const side = (tid + k) % 3 === 0 ? 'A' : 'B';
            out.push(fill({ user, coin, tid: tid++, time, sz: String(sz), side, start: String(pos) }));
            pos += side === 'B' ? sz : -sz;
          }
          if (block === 2) {
            out.push(fill({ user, coin, tid, time, sz: '1', side: 'B', start: String(pos) }));
            out.push(fill({ user, coin, tid: tid++, time, sz: '1', side: 'A', start: String(pos) }));
          }
        }
      }
    }
    return out;
  }

  it('emits exactly the set, once, in canonical order per key', () => {
    const all = history();
    const canonical = new Map<string, string[]>();
    for (const f of all) {
      const inf = f.user === U1 ? 'inf-1' : 'inf-2';
      const k = `${inf}|${f.coin}`;
      if (!canonical.has(k)) canonical.set(k, []);
    }
    for (const k of canonical.keys()) {
      const [inf, coin] = k.split('|');
      const user = inf === 'inf-1' ? U1 : U2;
      const times = [
        ...new Set(all.filter((f) => f.user === user && f.coin === coin).map((f) => f.time)),
      ].sort((a, b) => a - b);
      const ids: string[] = [];
      let prevLast: FillEvent | undefined;
      for (const t of times) {
        const block = orderBlock(
          all.filter((f) => f.user === user && f.coin === coin && f.time === t),
          () => prevLast,
        );
        prevLast = block.at(-1);
        ids.push(...block.map((f) => f.eventId));
      }
      canonical.set(k, ids);
    }
    const delivery = fc.record({
      idx: fc.nat(),
      listener: fc.constantFrom(P, S),
      copies: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(
        fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }),
        fc.array(delivery, { maxLength: 120 }),
        fc.integer({ min: 1, max: 25 }),
        (order, extra, chunk) => {
          const { clock, fanin, out } = setup();
          const stream: FillEvent[] = order.map((f, i) => copyFrom(f, i % 2 === 0 ? P : S));
          for (const d of extra) {
            const f = order[d.idx % order.length] as FillEvent;
            for (let c = 0; c < d.copies; c++)
              stream.splice(
                (d.idx * 31 + c) % (stream.length + 1),
                0,
                copyFrom(f, d.listener, 0, c === 2 ? 'snapshot' : 'live'),
              );
          }
          for (let i = 0; i < stream.length; i += chunk) fanin.push(stream.slice(i, i + chunk));
          clock.advance(100);
          const got = new Map<string, string[]>();
          for (const b of out) {
            expect(b.late).toBe(false);
            const k = `${b.influencerId}|${b.coin}`;
            got.set(k, [...(got.get(k) ?? []), ...b.fills.map((f) => f.eventId)]);
          }
          expect(got).toEqual(canonical);
        },
      ),
      { numRuns: 200 },
    );
  });
});
