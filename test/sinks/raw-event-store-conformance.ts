// One conformance suite every RawEventStore adapter must pass (the local NDJSON file in unit
// tests, ClickHouse in the integration tests). Rows are read back through a SECOND instance's
// replay (the RawEventReader both adapters implement), so "stored" means stored, not buffered:
// what was written comes back field for field, re-sends collapse to one row (the first
// arrival wins, as the ClickHouse schema promises), and close keeps what insert acknowledged.
import { expect, it } from 'vitest';
import type { RawEvent } from '../../src/core/index.js';
import type { RawEventReader, RawEventStore, ReplayQuery } from '../../src/sinks/index.js';

export type StoreAndReader = RawEventStore & RawEventReader;

export interface RawStoreFixture {
  readonly store: StoreAndReader;
  /** A fresh instance over the same storage (file / database), for reading back. */
  reopen(): StoreAndReader;
}

const T0 = Date.UTC(2026, 9, 31, 23, 59, 0); // spans a month boundary (two ClickHouse partitions)

function event(n: number, over: Partial<RawEvent> = {}): RawEvent {
  return {
    influencerId: `inf-${n % 2}`,
    user: `0x${(n % 2).toString(16).padStart(40, '0')}`,
    market: n % 3 === 0 ? 'BTC' : 'xyz:TSLA',
    eventType: 'fill',
    eventId: `ev-${n}`,
    listenerId: `inf-${n % 2}/primary`,
    eventTime: T0 + n * 7_000,
    ingestTime: T0 + 100_000 + n,
    payload: JSON.stringify({ n, note: 'it\'s \\ "quoted" ünïcode' }),
    ...over,
  };
}

async function readBack(fx: RawStoreFixture, q: ReplayQuery): Promise<RawEvent[]> {
  const reader = fx.reopen();
  try {
    const out: RawEvent[] = [];
    for await (const e of reader.replay(q)) out.push(e);
    return out;
  } finally {
    await reader.close();
  }
}

const inOrder = (es: readonly RawEvent[]): RawEvent[] =>
  [...es].sort((a, b) => a.eventTime - b.eventTime || a.eventId.localeCompare(b.eventId));

export function rawEventStoreConformance(make: () => Promise<RawStoreFixture>): void {
  it('stored rows equal what was written, field for field, in event_time order', async () => {
    const fx = await make();
    const events = Array.from({ length: 24 }, (_, n) => event(n));
    try {
      await fx.store.insert(events.slice(12));
      await fx.store.insert(events.slice(0, 12));
      expect(await fx.store.ping()).toBe(true);
    } finally {
      await fx.store.close();
    }
    const got = await readBack(fx, { influencerId: 'inf-1' });
    expect(got).toEqual(inOrder(events.filter((e) => e.influencerId === 'inf-1')));
    const btc = await readBack(fx, { influencerId: 'inf-0', market: 'BTC', fromMs: T0, toMs: T0 + 84_000 });
    expect(btc).toEqual(
      inOrder(
        events.filter((e) => e.influencerId === 'inf-0' && e.market === 'BTC' && e.eventTime < T0 + 84_000),
      ),
    );
    expect(btc.length).toBeGreaterThan(0);
  });

  it('re-sending events is idempotent: one row per event, the first arrival wins', async () => {
    const fx = await make();
    const events = Array.from({ length: 10 }, (_, n) => event(2 * n)); // all inf-0
    try {
      await fx.store.insert(events);
      await fx.store.insert(events); // the same batch again (a retry after a lost ack)
      // The other listener delivers the same events later: a different copy, ingested after.
      await fx.store.insert(
        events.map((e) => ({ ...e, listenerId: 'inf-0/secondary', ingestTime: e.ingestTime + 5_000 })),
      );
    } finally {
      await fx.store.close();
    }
    expect(await readBack(fx, { influencerId: 'inf-0' })).toEqual(inOrder(events));
  });

  it('a fill and a trade with the same event id are two rows, not duplicates', async () => {
    const fx = await make();
    const fill = event(3);
    const trade = event(3, { eventType: 'trade', payload: '{"trade":true}' });
    try {
      await fx.store.insert([fill, trade]);
    } finally {
      await fx.store.close();
    }
    const got = await readBack(fx, { influencerId: fill.influencerId, eventTypes: ['fill', 'trade'] });
    expect([...got].sort((a, b) => a.eventType.localeCompare(b.eventType))).toEqual([fill, trade]);
  });

  it('close keeps what insert acknowledged, can be called twice, and later inserts fail by code', async () => {
    const fx = await make();
    const first = event(1);
    await fx.store.insert([first]);
    await fx.store.close();
    await expect(fx.store.close()).resolves.toBeUndefined();
    await expect(fx.store.insert([event(5)])).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE' });
    expect(await readBack(fx, { influencerId: 'inf-1' })).toEqual([first]);
  });
}
