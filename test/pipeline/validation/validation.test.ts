/**
 * Validation stages and every quality flag, through the Assembler (normalize → map → encode →
 * validate): each hard failure becomes a quarantine record with its reason, flags and the raw
 * bytes; soft findings are flags on the event.
 */
import { describe, expect, it } from 'vitest';
import type { NormalizedDraft, NormalizeResult } from '../../../src/pipeline/connectors/index.js';
import { decodePayload, QUALITY_FLAGS as F } from '../../../src/pipeline/envelope/index.js';
import { Assembler } from '../../../src/pipeline/process/index.js';
import {
  checkSanity,
  checkTimeBounds,
  OutlierDetector,
  Validator,
} from '../../../src/pipeline/validation/index.js';
import { book, manifest, raw, ScriptedConnector, SETTINGS, T0, tick } from '../helpers.js';

const PX = 100_000_000n;

function assembler(drafts: (text: string) => NormalizeResult, over: Record<string, unknown> = {}) {
  const c = new ScriptedConnector((r) => drafts(Buffer.from(r.bytes).toString()));
  return { c, a: new Assembler(c, manifest(over), new Validator(SETTINGS)) };
}
const ok = (...drafts: NormalizedDraft[]): NormalizeResult => ({ ok: true, drafts });

describe('time bounds', () => {
  const b = { maxSkewMs: 1000, maxStalenessMs: 5000 };
  it('accepts skew and staleness up to the limits, not beyond', () => {
    expect(checkTimeBounds(T0 + 1000, T0, b)).toBe('ok');
    expect(checkTimeBounds(T0 + 1001, T0, b)).toBe('FUTURE_EVENT_TIME');
    expect(checkTimeBounds(T0 - 5000, T0, b)).toBe('ok');
    expect(checkTimeBounds(T0 - 5001, T0, b)).toBe('STALE_EVENT_TIME');
  });

  it('quarantines with FUTURE_EVENT_TIME / STALE_EVENT_TIME + QUARANTINED, using per-market overrides', () => {
    const { a } = assembler((t) =>
      ok(
        t === 'future'
          ? tick(PX, { eventTimeMs: T0 + 1001 })
          : tick(PX, { nativeMarket: 'SOL', eventTimeMs: T0 - 11 }),
      ),
    );
    const f = a.assemble(raw('future'), false).quarantined[0];
    expect(f?.reason).toBe('FUTURE_EVENT_TIME');
    expect(f?.qualityFlags).toBe(F.FUTURE_EVENT_TIME | F.QUARANTINED);
    const s = a.assemble(raw('stale'), false).quarantined[0];
    expect(s?.reason).toBe('STALE_EVENT_TIME'); // SOL's own maxStalenessMs: 10
    expect(s?.qualityFlags).toBe(F.STALE_EVENT_TIME | F.QUARANTINED);
    expect(Buffer.from(s?.rawBase64 ?? '', 'base64').toString()).toBe('stale');
  });
});

describe('source sanity', () => {
  const candle = (
    o: Partial<Record<'open' | 'high' | 'low' | 'close' | 'volume', bigint>>,
  ): NormalizedDraft => ({
    payloadType: 'CANDLE_V1',
    nativeMarket: 'BTC',
    eventTimeMs: T0,
    payload: {
      intervalMs: 60_000,
      openTimeMs: 0n,
      closeTimeMs: 59_999n,
      open: 10n,
      high: 12n,
      low: 9n,
      close: 11n,
      volume: 5n,
      trades: 3,
      final: true,
      ...o,
    },
  });

  it.each([
    [
      'trade size 0',
      tick(PX, { payload: { px: PX, sz: 0n, side: 'BUY', tradeId: 0n } } as never),
      'sz must be > 0',
    ],
    ['trade price 0', tick(0n), 'px must be > 0'],
    ['high < low', candle({ high: 8n }), 'high < low'],
    ['close above high', candle({ close: 13n }), 'close outside [low, high]'],
    ['negative volume', candle({ volume: -1n }), 'volume < 0'],
    ['bid > ask', book(101n, 100n), 'bid > ask'],
  ])('%s is quarantined as SANITY_FAILED', (_n, draft, problem) => {
    expect(checkSanity(draft).problem).toBe(problem);
    const { a } = assembler(() => ok(draft));
    const q = a.assemble(raw('x'), false).quarantined[0];
    expect(q?.reason).toBe('SANITY_FAILED');
    expect(q?.detail).toContain(problem);
    expect(q?.qualityFlags).toBe(F.QUARANTINED);
  });

  it('a book with one side missing is PARTIAL_COVERAGE, not an error', () => {
    const { a } = assembler(() => ok(book(100n * PX, 0n)));
    const out = a.assemble(raw('x'), false);
    expect(out.quarantined).toEqual([]);
    expect(out.events[0]?.event.qualityFlags).toBe(F.PARTIAL_COVERAGE);
  });

  it('a signal whose side contradicts its position is insane', () => {
    const s: NormalizedDraft = {
      payloadType: 'INFLUENCER_SIGNAL_V1',
      nativeMarket: 'BTC',
      eventTimeMs: T0,
      payload: {
        signalId: 'ab'.repeat(32),
        influencerId: 'w',
        action: 'OPEN',
        side: 'LONG',
        position: -1n,
        deltaSize: -1n,
        hasPrice: true,
        price: 1n,
        fillCount: 1,
      },
    };
    expect(checkSanity(s).problem).toBe('side LONG does not match position -1');
  });
});

describe('outliers and divergence', () => {
  it('flags OUTLIER_DETECTED beyond z-score and minimum deviation, only after minSamples', () => {
    const d = new OutlierDetector({ window: 20, minSamples: 5, zScore: 4, minDeviationBps: 50 });
    expect(d.observe('k', 1000)).toBe(false);
    expect(d.observe('k', 5000)).toBe(false); // too few samples to judge
    const e = new OutlierDetector({ window: 20, minSamples: 5, zScore: 4, minDeviationBps: 50 });
    for (let i = 0; i < 10; i++) expect(e.observe('k', 1000 + (i % 2))).toBe(false);
    expect(e.observe('k', 1001.2)).toBe(false); // many sigmas on a flat series, but < 50 bps
    expect(e.observe('k', 1200)).toBe(true);
  });

  it('stamps OUTLIER_DETECTED on the event through the assembler', () => {
    const { a } = assembler((t) => ok(tick(BigInt(t) * PX)));
    for (let i = 0; i < 12; i++)
      expect(a.assemble(raw(String(100 + (i % 2))), false).events[0]?.event.qualityFlags).toBe(0);
    expect(a.assemble(raw('150'), false).events[0]?.event.qualityFlags).toBe(F.OUTLIER_DETECTED);
  });

  it('flags SOURCE_DIVERGENCE when trade, mid and mark of a market disagree beyond the threshold', () => {
    const mark: NormalizedDraft = {
      payloadType: 'ASSET_CTX_V1',
      nativeMarket: 'BTC',
      eventTimeMs: T0,
      payload: {
        markPx: 100n * PX,
        oraclePx: 100n * PX,
        midPx: 0n,
        funding: 0n,
        premium: 0n,
        openInterest: 0n,
        dayNtlVlm: 0n,
        prevDayPx: 0n,
      },
    };
    const { a } = assembler((t) =>
      ok(
        t === 'mark'
          ? mark
          : t === 'near'
            ? tick((1005n * PX) / 10n)
            : t === 'far'
              ? tick(102n * PX)
              : book(99n * PX, 101n * PX),
      ),
    );
    expect(a.assemble(raw('mark'), false).events[0]?.event.qualityFlags).toBe(0);
    expect(a.assemble(raw('near'), false).events[0]?.event.qualityFlags).toBe(0); // 50 bps < 100
    const far = a.assemble(raw('far'), false).events[0];
    expect(far?.event.qualityFlags).toBe(F.SOURCE_DIVERGENCE);
    expect(far?.divergence).toMatchObject({ marketId: 'm.BTC', kind: 'trade', against: 'mark', bps: 200 });
    expect(a.assemble(raw('mid'), false).events[0]?.event.qualityFlags).toBe(F.SOURCE_DIVERGENCE); // mid 100 vs last trade 102
  });
});

describe('schema, mapping and connector flags', () => {
  it('INVALID_SCHEMA + QUARANTINED for what the connector cannot parse, and for payloads that do not fit', () => {
    const { a } = assembler((t) =>
      t === 'garbage'
        ? { ok: false, reason: 'PARSE_ERROR', detail: 'not JSON' }
        : ok(tick(PX, { payload: { px: PX, sz: 1n, side: 'BUY', tradeId: -5n } } as never)),
    );
    const p = a.assemble(raw('garbage'), false).quarantined[0];
    expect(p).toMatchObject({
      reason: 'PARSE_ERROR',
      detail: 'not JSON',
      qualityFlags: F.INVALID_SCHEMA | F.QUARANTINED,
      connectorId: 'test',
      connectorVersion: '1.0.0',
    });
    const s = a.assemble(raw('bad'), false).quarantined[0];
    expect(s).toMatchObject({
      reason: 'SCHEMA_INVALID',
      qualityFlags: F.INVALID_SCHEMA | F.QUARANTINED,
      marketId: 'm.BTC',
    });
    expect(s?.detail).toContain('u64 out of range');
  });

  it('quarantines a connector that throws, an undeclared payload type and an unmapped market', () => {
    const { a } = assembler(
      (t) => {
        if (t === 'throw') throw new Error('boom');
        return ok(
          t === 'candle'
            ? ({ ...tick(PX), payloadType: 'CANDLE_V1' } as never)
            : tick(PX, { nativeMarket: 'DOGE' }),
        );
      },
      { payloadTypes: ['TRADE_TICK_V1'] },
    );
    expect(a.assemble(raw('throw'), false).quarantined[0]).toMatchObject({
      reason: 'NORMALIZE_FAILED',
      detail: 'boom',
    });
    expect(a.assemble(raw('candle'), false).quarantined[0]?.reason).toBe('UNDECLARED_PAYLOAD_TYPE');
    expect(a.assemble(raw('doge'), false).quarantined[0]).toMatchObject({
      reason: 'UNMAPPED_MARKET',
      nativeMarket: 'DOGE',
    });
  });

  it('CONNECTOR_DEGRADED while the connector says so; connector flags are kept', () => {
    const { a } = assembler(() => ok(tick(PX, { flags: F.PARTIAL_COVERAGE })));
    expect(a.assemble(raw('x'), true).events[0]?.event.qualityFlags).toBe(
      F.CONNECTOR_DEGRADED | F.PARTIAL_COVERAGE,
    );
  });

  it('rejects connector flags outside the defined bits and a bad confidence', () => {
    const { a } = assembler((t) =>
      ok(t === 'flags' ? tick(PX, { flags: 0x400 }) : tick(PX, { confidence: 10_001 })),
    );
    expect(a.assemble(raw('flags'), false).quarantined[0]?.detail).toBe('flags 0x400 has undefined bits');
    expect(a.assemble(raw('conf'), false).quarantined[0]?.detail).toBe('confidence 10001 outside 0..10000');
  });

  it('builds the envelope: ids, partition key, trace id, payload bytes', () => {
    const { a } = assembler(() => ok(tick(7n * PX, { nativeId: '9', sourceSeq: 9n })));
    const e = a.assemble(raw('x', T0 + 3), false).events[0]?.event;
    expect(e).toMatchObject({
      sourceId: 'test-source',
      connectorId: 'test',
      connectorVersion: '1.0.0',
      marketId: 'm.BTC',
      partitionKey: 'm.BTC',
      ingestTimeMs: T0 + 3,
      sourceSeq: 9n,
    });
    expect(e?.traceId).toBe(e?.eventId.slice(32));
    expect(decodePayload('TRADE_TICK_V1', e?.payload ?? new Uint8Array())).toEqual({
      px: 7n * PX,
      sz: 100n,
      side: 'BUY',
      tradeId: 0n,
    });
  });
});
