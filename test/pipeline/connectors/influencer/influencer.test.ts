/**
 * The influencer-ingester connector. normalize: a userFills fill (with the exchange's float
 * noise in startPosition), a trades row (both sides, and a self-trade told apart by the
 * ingester's event id), a signal, and bad records with their reject reasons. End to end: the
 * ingester (App on the embedded simulator) publishes into an IngesterTap; the connector on the
 * same tap delivers every signal the ingester derived, and every fill behind them, as drafts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { App } from '../../../../src/app/index.js';
import { DOC_FILL } from '../../../kit/index.js';
import { appPerTest } from '../../../kit/app-per-test.js';
import { parseServiceConfig } from '../../../../src/config/index.js';
import { IngesterTap, eventId, silentLogger, type RawEvent } from '../../../../src/core/index.js';
import type { NormalizedDraft, RawRecord } from '../../../../src/pipeline/connectors/index.js';
import {
  InfluencerIngesterConnector,
  ingesterRecordBytes,
  normalizeIngesterRecord,
} from '../../../../src/pipeline/connectors/influencer/index.js';
import type { Signal } from '../../../../src/positions/index.js';

const U = '0x31ca8395cf837de08b24da3f660e77761dfb974b';
const V = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';

const raw = (kind: 'fill' | 'signal', text: string): RawRecord => ({
  bytes: ingesterRecordBytes(kind, text),
  receivedAtMs: 1_788_490_193_300,
});

function rawEvent(eventType: 'fill' | 'trade', payload: unknown, over: Partial<RawEvent> = {}): string {
  const e: RawEvent = {
    influencerId: 'whale-1',
    user: U,
    market: 'USUAL',
    eventType,
    eventId: 'a'.repeat(64),
    listenerId: 'whale-1/primary',
    eventTime: 1_788_490_193_264,
    ingestTime: 1_788_490_193_300,
    payload: JSON.stringify(payload),
    ...over,
  };
  return JSON.stringify(e);
}

const userFill = DOC_FILL;

const ok = (r: ReturnType<typeof normalizeIngesterRecord>): NormalizedDraft[] => {
  if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
  return [...r.drafts];
};

describe('influencer-ingester normalize', () => {
  it('a userFills fill → INFLUENCER_FILL_V1 with account detail, the ingester event id as native id', () => {
    const [d] = ok(normalizeIngesterRecord(raw('fill', rawEvent('fill', userFill))));
    expect(d).toMatchObject({
      payloadType: 'INFLUENCER_FILL_V1',
      nativeMarket: 'USUAL',
      eventTimeMs: 1788490193264,
      nativeId: 'a'.repeat(64),
      payload: {
        user: U,
        px: 1_152_000n,
        sz: 105_290_000_000n,
        side: 'SELL',
        tradeId: 691079299625582n,
        orderId: 535618784464n,
        hasAccountDetail: true,
        startPosition: -369_504_290_000_000n, // float noise rounded half-even at scale 8
        fee: 0n,
        closedPnl: 0n,
      },
    });
  });

  it('a trades row → the account’s side from users; a self-trade’s side from the ingester event id', () => {
    const trade = {
      coin: 'BTC',
      side: 'B',
      px: '72000.0',
      sz: '0.01',
      time: 5,
      hash: '0x',
      tid: 42,
      users: [V, U],
    };
    const [sell] = ok(normalizeIngesterRecord(raw('fill', rawEvent('trade', trade, { market: 'BTC' }))));
    expect(sell?.payload).toMatchObject({ side: 'SELL', hasAccountDetail: false, orderId: 0n, tradeId: 42n });
    const self = { ...trade, users: [U, U] };
    const idOf = (side: 'B' | 'A') =>
      eventId({ user: U, coin: 'BTC', side, tid: 42, time: 5, px: '72000.0', sz: '0.01' });
    for (const side of ['B', 'A'] as const) {
      const [d] = ok(
        normalizeIngesterRecord(raw('fill', rawEvent('trade', self, { market: 'BTC', eventId: idOf(side) }))),
      );
      expect(d?.payload).toMatchObject({ side: side === 'B' ? 'BUY' : 'SELL' });
      expect(d?.nativeId).toBe(idOf(side));
    }
  });

  it('a signal → INFLUENCER_SIGNAL_V1 keyed by signalId; RECONCILE has no price', () => {
    const signal = {
      signalId: 'b'.repeat(64),
      influencerId: 'inf-42',
      market: 'BTC',
      action: 'FLIP',
      side: 'SHORT',
      position: '-2',
      deltaSize: '-3',
      price: '72264.258064516129',
      timestamp: 1_700_000_000_000,
      emittedAt: 1_700_000_000_123,
      metadata: { fillCount: 4 },
    };
    const [d] = ok(normalizeIngesterRecord(raw('signal', JSON.stringify(signal))));
    expect(d).toMatchObject({
      payloadType: 'INFLUENCER_SIGNAL_V1',
      nativeId: 'b'.repeat(64),
      eventTimeMs: 1_700_000_000_000,
      payload: {
        signalId: 'b'.repeat(64),
        influencerId: 'inf-42',
        action: 'FLIP',
        side: 'SHORT',
        position: -200_000_000n,
        deltaSize: -300_000_000n,
        hasPrice: true,
        price: 7_226_425_806_452n,
        fillCount: 4,
      },
    });
    const [r] = ok(
      normalizeIngesterRecord(raw('signal', JSON.stringify({ ...signal, action: 'RECONCILE', price: null }))),
    );
    expect(r?.payload).toMatchObject({ hasPrice: false, price: 0n });
  });

  it('rejects what it cannot read, with a reason and the field named', () => {
    const bad = (bytes: string) =>
      normalizeIngesterRecord({ bytes: new TextEncoder().encode(bytes), receivedAtMs: 1 });
    expect(bad('not json')).toMatchObject({ ok: false, reason: 'PARSE_ERROR' });
    expect(bad('{"kind":"order","record":{}}')).toMatchObject({ ok: false, reason: 'UNSUPPORTED_RECORD' });
    const noUser = normalizeIngesterRecord(raw('fill', rawEvent('fill', userFill, { user: 'nobody' })));
    expect(noUser).toMatchObject({ ok: false, reason: 'SCHEMA_INVALID' });
    expect(noUser.ok ? '' : noUser.detail).toMatch(/user/);
    const numberPx = normalizeIngesterRecord(raw('fill', rawEvent('fill', { ...userFill, px: 0.01152 })));
    expect(numberPx.ok ? '' : numberPx.detail).toMatch(/fill: px/);
    const tooFine = normalizeIngesterRecord(
      raw('fill', rawEvent('fill', { ...userFill, px: '0.000000001' })),
    );
    expect(tooFine).toMatchObject({ ok: false, reason: 'SCHEMA_INVALID' });
  });
});

describe('influencer-ingester connector on the running ingester', () => {
  const t = appPerTest('pipeline-influencer-');

  it('delivers the ingester’s signals, each matching a derived signal, and every fill behind them, through the tap', async () => {
    const dir = t.dir();
    const tap = new IngesterTap();
    const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });
    const config = parseServiceConfig({
      source: { kind: 'simulator', simulator: { seed: 9, accounts: 3, tickMs: 40, port: 0 } },
      influencers: { source: 'simulator' },
      fanin: { reorderWindowMs: 60 },
      positions: { settleWindowMs: 120, marketClasses: ['perp', 'hip3', 'spot', 'outcome'] },
      sinks: { local: { dir: join(dir, 'out') }, spool: { dir: join(dir, 'spool') } },
      http: { port: 0 },
    });
    const connector = new InfluencerIngesterConnector(
      'influencer-ingester',
      '1.0.0',
      tap,
      { maxBuffered: 100_000 },
      silentLogger,
    );
    const drafts: NormalizedDraft[] = [];
    const signals: Signal[] = [];
    let wake = (): void => undefined;
    const tapped: Signal[] = [];
    tap.subscribe((r) => {
      if (r.kind === 'signal') tapped.push(JSON.parse(r.text) as Signal);
    });
    const ac = new AbortController();
    const running = connector.subscribe(
      {
        push: (r) => {
          drafts.push(...ok(connector.normalize(r)));
          wake();
        },
        error: (err) => {
          throw err;
        },
      },
      ac.signal,
    );
    const app = t.track(new App({ config, logger, tap }));
    await app.start();
    app.engine?.events.on('signal', (s) => signals.push(s));
    const signalDrafts = () => drafts.filter((d) => d.payloadType === 'INFLUENCER_SIGNAL_V1');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${signalDrafts().length} signals in 30 s`)),
        30_000,
      );
      wake = () => {
        if (signalDrafts().length >= 20) {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    ac.abort();
    await running;

    // What the ingester published: its own signal events (registered after start, so possibly
    // missing the first few) and, complete, the signal texts on the tap itself.
    const derived = new Map(signals.map((s) => [s.signalId, s]));
    const onTap = new Map(tapped.map((s) => [s.signalId, s]));
    expect(signalDrafts().map((d) => d.nativeId)).toEqual([...onTap.keys()].slice(0, signalDrafts().length));
    const fillIds = new Set(
      drafts.filter((d) => d.payloadType === 'INFLUENCER_FILL_V1').map((d) => d.nativeId),
    );
    let matched = 0;
    for (const d of signalDrafts()) {
      const s = onTap.get(d.nativeId ?? '') as Signal;
      for (const id of s.sourceEventIds) expect(fillIds.has(id)).toBe(true);
      expect(d).toMatchObject({ nativeMarket: s.market, eventTimeMs: s.timestamp });
      expect(d.payload).toMatchObject({ influencerId: s.influencerId, action: s.action, side: s.side });
      const e = derived.get(d.nativeId ?? '');
      if (e) {
        expect(e).toMatchObject({ market: s.market, position: s.position, action: s.action });
        matched++;
      }
    }
    expect(matched).toBeGreaterThan(10);
    expect(connector.droppedRecords()).toBe(0);
    expect(tap.listenerFailures()).toBe(0);
  });
});
