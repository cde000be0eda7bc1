/** Fixed point, the payload codec's strictness and the envelope codec's rejections. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/index.js';
import {
  decodeEnvelope,
  decodePayload,
  encodeEnvelope,
  encodePayload,
  flagNames,
  fromFixed,
  goldenEnvelope,
  GOLDEN_CASES,
  QUALITY_FLAGS,
  QUALITY_FLAGS_MASK,
  toFixed,
} from '../../../src/pipeline/envelope/index.js';

describe('fixed point', () => {
  it('converts exact decimals and back', () => {
    expect(toFixed('72264.5', 8)).toBe(7_226_450_000_000n);
    expect(toFixed('-0.00000001', 8)).toBe(-1n);
    expect(fromFixed(7_226_450_000_000n, 8)).toBe('72264.5');
    expect(fromFixed(-1n, 8)).toBe('-0.00000001');
    expect(fromFixed(0n, 8)).toBe('0');
  });

  it('refuses to drop digits unless asked to round half-even', () => {
    expect(() => toFixed('1.000000001', 8)).toThrow(ValidationError);
    expect(toFixed('1.000000005', 8, 'half-even')).toBe(100_000_000n);
    expect(toFixed('1.000000015', 8, 'half-even')).toBe(100_000_002n);
    expect(toFixed('1.0000000051', 8, 'half-even')).toBe(100_000_001n);
    expect(toFixed('1.00000000000', 8)).toBe(100_000_000n);
  });

  it('names malformed and overflowing input', () => {
    expect(() => toFixed('1e5', 8)).toThrow('not a plain decimal: "1e5"');
    expect(() => toFixed('100000000000', 8)).toThrow('overflows i64');
  });
});

describe('payload codec', () => {
  const tick = { px: 1n, sz: 2n, side: 'SELL', tradeId: 3n } as const;

  it('round-trips and is canonical (fixed length, no names)', () => {
    const b = encodePayload('TRADE_TICK_V1', tick);
    expect(b.length).toBe(8 + 8 + 1 + 8);
    expect(decodePayload('TRADE_TICK_V1', b)).toEqual(tick);
  });

  it('rejects trailing bytes, truncation, a bad enum index and a bad bool', () => {
    const b = Buffer.from(encodePayload('TRADE_TICK_V1', tick));
    expect(() => decodePayload('TRADE_TICK_V1', Buffer.concat([b, Buffer.from([0])]))).toThrow(
      '1 trailing bytes',
    );
    expect(() => decodePayload('TRADE_TICK_V1', b.subarray(0, 20))).toThrow('truncated at tradeId');
    const badEnum = Buffer.from(b);
    badEnum[16] = 7;
    expect(() => decodePayload('TRADE_TICK_V1', badEnum)).toThrow('side: enum index 7 out of range');
    const candle = Buffer.from(
      encodePayload('CANDLE_V1', {
        intervalMs: 1,
        openTimeMs: 0n,
        closeTimeMs: 0n,
        open: 1n,
        high: 1n,
        low: 1n,
        close: 1n,
        volume: 0n,
        trades: 0,
        final: true,
      }),
    );
    candle[candle.length - 1] = 2;
    expect(() => decodePayload('CANDLE_V1', candle)).toThrow('final: bool byte 2');
  });

  it('names the field on bad values', () => {
    expect(() => encodePayload('TRADE_TICK_V1', { ...tick, side: 'HOLD' as never })).toThrow(
      'TRADE_TICK_V1.side: "HOLD" is not one of BUY|SELL',
    );
    expect(() => encodePayload('TRADE_TICK_V1', { ...tick, tradeId: -1n })).toThrow('u64 out of range');
    expect(() => encodePayload('TRADE_TICK_V1', { px: 1n } as never)).toThrow('TRADE_TICK_V1.sz: missing');
    expect(() =>
      encodePayload('INFLUENCER_FILL_V1', {
        user: '0xABC',
        px: 1n,
        sz: 1n,
        side: 'BUY',
        tradeId: 0n,
        orderId: 0n,
        hasAccountDetail: false,
        startPosition: 0n,
        fee: 0n,
        closedPnl: 0n,
      }),
    ).toThrow('INFLUENCER_FILL_V1.user: expected a lower-case 0x address');
  });
});

describe('envelope codec', () => {
  const e = goldenEnvelope(GOLDEN_CASES[0] as (typeof GOLDEN_CASES)[number]);
  const bytes = Buffer.from(encodeEnvelope(e));

  it('round-trips every field including optionals', () => {
    expect(decodeEnvelope(bytes)).toEqual(e);
  });

  it('rejects bad magic, unknown version, unknown flag bits, truncation and trailing bytes', () => {
    const bad =
      (mutate: (b: Buffer) => Buffer): (() => unknown) =>
      () =>
        decodeEnvelope(mutate(Buffer.from(bytes)));
    expect(bad((b) => ((b[0] = 0), b))).toThrow('bad magic');
    expect(bad((b) => ((b[3] = 2), b))).toThrow('unsupported schema_version 2');
    expect(bad((b) => b.subarray(0, b.length - 3))).toThrow('truncated');
    expect(bad((b) => Buffer.concat([b, Buffer.from([1])]))).toThrow('trailing bytes');
    expect(() => encodeEnvelope({ ...e, qualityFlags: 0x400 })).toThrow('undefined bits');
    expect(() => encodeEnvelope({ ...e, confidence: 10_001 })).toThrow('confidence 10001 outside 0..10000');
  });
});

describe('quality flags', () => {
  it('are the nine M0 bits 0x0001..0x0100 plus BACKFILL 0x0200', () => {
    expect(Object.values(QUALITY_FLAGS)).toEqual([0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200]);
    expect(QUALITY_FLAGS_MASK).toBe(0x3ff);
    expect(flagNames(0x104)).toEqual(['FUTURE_EVENT_TIME', 'QUARANTINED']);
  });
});
