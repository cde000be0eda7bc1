import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { must } from './must.js';
import { SourceError, systemClock } from '../../src/core/index.js';
import type { Fill, FillsByTimeSource } from '../../src/protocol/index.js';
import {
  InfoClient,
  InfoWeightBudget,
  baseWeight,
  itemWeight,
  userFillsByTimeAll,
} from '../../src/protocol/index.js';

const USER = '0x31ca8395cf837de08b24da3f660e77761dfb974b';
const fast = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, maxAttempts: 5, jitter: 0 };

function fill(tid: number, time: number): Fill {
  return {
    coin: 'BTC',
    px: '100.0',
    sz: '1',
    side: 'B',
    time,
    crossed: true,
    fee: '0.1',
    tid,
    oid: tid,
    startPosition: '0',
    dir: 'Open Long',
    closedPnl: '0',
  };
}

function respond(status: number, body: unknown): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
}

describe('InfoClient', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('close() cancels requests in backoff and in flight, and refuses new ones', async () => {
    let calls = 0;
    const client = new InfoClient({
      url: 'http://info.test/info',
      clock: systemClock,
      retryPolicy: { ...fast, maxAttempts: 100 },
      fetch: (_url, init) => {
        calls++;
        // The second request hangs until its signal is aborted, like a fetch to a dead host.
        if (calls > 1) {
          return new Promise((_resolve, reject) =>
            init.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
          );
        }
        return Promise.resolve(respond(502, 'bad gateway'));
      },
    });
    const retrying = client.meta();
    const hanging = client.meta();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2); // the first is in backoff, the second in flight
    client.close();
    await expect(retrying).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(hanging).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(client.meta()).rejects.toMatchObject({ code: 'ABORTED' });
    expect(vi.getTimerCount()).toBe(0); // no retry or timeout timer outlives close()
  });

  it('retries 429 and 5xx with backoff, then returns the parsed response', async () => {
    const calls: { at: number; body: unknown }[] = [];
    const answers = [respond(429, 'rate'), respond(502, 'bad gateway'), respond(200, [fill(1, 5)])];
    const client = new InfoClient({
      url: 'http://info.test/info',
      clock: systemClock,
      retryPolicy: fast,
      dispatcher: { marker: 1 },
      fetch: (_url, init) => {
        calls.push({ at: Date.now(), body: JSON.parse(String(init.body)) });
        expect((init as Record<string, unknown>)['dispatcher']).toEqual({ marker: 1 });
        return Promise.resolve(must(answers.shift()));
      },
    });
    const t0 = Date.now();
    const p = client.userFills(USER.toUpperCase().replace('0X', '0x'));
    await vi.advanceTimersByTimeAsync(100);
    expect(calls.length).toBe(2);
    await vi.advanceTimersByTimeAsync(200);
    const r = await p;
    expect(r.map((f) => f.tid)).toEqual([1]);
    expect(calls.map((c) => c.at - t0)).toEqual([0, 100, 300]);
    expect(calls[0]?.body).toEqual({ type: 'userFills', user: USER, aggregateByTime: false });
    // 3 attempts x base 20, plus 1 per 20 items (1 item -> 1)
    expect(client.weightBudget.used()).toBe(61);
  });

  it('does not retry 4xx or a schema mismatch; errors are typed', async () => {
    const c1 = new InfoClient({
      clock: systemClock,
      retryPolicy: fast,
      fetch: () => Promise.resolve(respond(400, 'bad')),
    });
    await expect(c1.meta()).rejects.toMatchObject({ code: 'INFO_HTTP', retriable: false });
    const c2 = new InfoClient({
      clock: systemClock,
      retryPolicy: fast,
      fetch: () => Promise.resolve(respond(200, { coin: 'BTC', px: 1 })),
    });
    // The page must be an array; its rows are judged one by one by the FillGuard (pagination).
    const e = await c2.userFillsByTime(USER, 0).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SourceError);
    expect((e as SourceError).code).toBe('INFO_BAD_RESPONSE');
    const c3 = new InfoClient({
      clock: systemClock,
      retryPolicy: { ...fast, maxAttempts: 2 },
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    const p = c3.perpDexs().catch((x: unknown) => x);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await p).toMatchObject({ code: 'RETRIES_EXHAUSTED', cause: { code: 'INFO_HTTP' } });
  });

  it('sends the documented bodies', async () => {
    const bodies: unknown[] = [];
    const client = new InfoClient({
      clock: systemClock,
      fetch: (_u, init) => {
        bodies.push(JSON.parse(String(init.body)));
        const b = bodies.at(-1) as { type: string };
        const answer =
          b.type === 'clearinghouseState'
            ? { assetPositions: [], time: 1 }
            : b.type === 'perpDexs'
              ? [null]
              : b.type === 'spotMeta'
                ? { universe: [], tokens: [] }
                : b.type === 'meta'
                  ? { universe: [] }
                  : [];
        return Promise.resolve(respond(200, answer));
      },
    });
    await client.clearinghouseState(USER);
    await client.clearinghouseState(USER, 'xyz');
    await client.meta();
    await client.meta('xyz');
    await client.perpDexs();
    await client.spotMeta();
    await client.userFillsByTime(USER, 10, 20);
    expect(bodies).toEqual([
      { type: 'clearinghouseState', user: USER, dex: '' },
      { type: 'clearinghouseState', user: USER, dex: 'xyz' },
      { type: 'meta' },
      { type: 'meta', dex: 'xyz' },
      { type: 'perpDexs' },
      { type: 'spotMeta' },
      { type: 'userFillsByTime', user: USER, startTime: 10, aggregateByTime: false, endTime: 20 },
    ]);
  });

  it('weight budget: documented weights, waits for room, refuses past maxWait', async () => {
    expect(baseWeight('clearinghouseState')).toBe(2);
    expect(baseWeight('userFillsByTime')).toBe(20);
    expect(baseWeight('meta')).toBe(20);
    expect(itemWeight('userFillsByTime', 2000)).toBe(100);
    expect(itemWeight('userFills', 21)).toBe(2);
    expect(itemWeight('clearinghouseState', 500)).toBe(0);
    const b = new InfoWeightBudget({ clock: systemClock, weightPerWindow: 40, maxWaitMs: 60_000 });
    await b.acquire(20);
    await b.acquire(20);
    let done = false;
    const p = b.acquire(20).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(59_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
    const tight = new InfoWeightBudget({ clock: systemClock, weightPerWindow: 40, maxWaitMs: 1000 });
    await tight.acquire(40);
    await expect(tight.acquire(2)).rejects.toMatchObject({ code: 'INFO_RATE_LIMITED' });
  });
});

describe('userFillsByTimeAll', () => {
  /** Fake server: `fills` sorted any way; returns ≤pageSize fills with start<=time<=end, oldest first, shuffled. */
  function fakeSource(
    all: Fill[],
    pageSize: number,
    shuffle = true,
  ): FillsByTimeSource & { starts: number[] } {
    const starts: number[] = [];
    return {
      starts,
      userFillsByTime(_u, startTime, endTime = Infinity) {
        starts.push(startTime);
        const page = all
          .filter((f) => f.time >= startTime && f.time <= endTime)
          .sort((a, b) => a.time - b.time)
          .slice(0, pageSize);
        if (shuffle) page.reverse();
        return Promise.resolve(page);
      },
    };
  }

  it('paginates on the last time (inclusive), dedupes boundary duplicates, sorts ascending', async () => {
    // 9 fills, times with a shared boundary millisecond across pages
    const all = [1, 2, 3, 3, 3, 4, 5, 6, 6].map((t, i) => fill(100 + i, t));
    const src = fakeSource(all, 4);
    const r = await userFillsByTimeAll(src, USER, 0, 100, { pageSize: 4 });
    // same set; within one millisecond the order is the server's (chain by startPosition downstream)
    expect(r.events.map((e) => e.tid).sort()).toEqual(all.map((f) => f.tid).sort());
    expect(r.events.map((e) => e.time)).toEqual([1, 2, 3, 3, 3, 4, 5, 6, 6]);
    expect(new Set(r.events.map((e) => e.eventId)).size).toBe(9);
    expect(r.raw.map((f) => f.tid)).toEqual(r.events.map((e) => e.tid));
    expect(src.starts).toEqual([0, 3, 4, 6]);
    expect(r.truncated).toBe(false);
    expect(r.events[0]?.source).toMatchObject({ listenerKind: 'rest', delivery: 'backfill' });
  });

  it('stops at the horizon and reports truncated', async () => {
    const all = Array.from({ length: 50 }, (_, i) => fill(1 + i, 1000 + i));
    const r = await userFillsByTimeAll(fakeSource(all, 10), USER, 0, 10_000, { pageSize: 10, horizon: 25 });
    expect(r.truncated).toBe(true);
    expect(r.truncatedReason).toBe('horizon');
    expect(r.events.length).toBeGreaterThanOrEqual(25);
    expect(r.events.length).toBeLessThan(50);
  });

  it('reports a page that cannot advance (a full page inside one millisecond)', async () => {
    const all = Array.from({ length: 6 }, (_, i) => fill(1 + i, 7));
    const r = await userFillsByTimeAll(fakeSource(all, 4), USER, 7, 100, { pageSize: 4 });
    expect(r.truncatedReason).toBe('stuck_page');
    expect(r.events.length).toBe(4);
  });

  it('works through InfoClient with default 2000-fill pages', async () => {
    const all = Array.from({ length: 2500 }, (_, i) => fill(1 + i, 10 + Math.floor(i / 3)));
    const src = fakeSource(all, 2000);
    const client = new InfoClient({
      clock: systemClock,
      weightBudget: new InfoWeightBudget({ clock: systemClock, weightPerWindow: 10_000 }),
      fetch: (_u, init) => {
        const b = JSON.parse(String(init.body)) as { startTime: number; endTime: number };
        return src.userFillsByTime(USER, b.startTime, b.endTime).then((p) => respond(200, p));
      },
    });
    const r = await client.userFillsByTimeAll(USER, 0, 1_000_000);
    expect(r.events.length).toBe(2500);
    expect(r.pages).toBe(2);
    expect(r.truncated).toBe(false);
  });
});
