import { describe, expect, it } from 'vitest';
import { dec, decStr, eventId, eventIdKey, marketClass, normalizeAddress } from '../../src/core/index.js';

describe('event id', () => {
  const base = { user: '0xABCDEF0000000000000000000000000000000001', coin: 'BTC', time: 1, px: '1', sz: '2' };

  it('keys on user|coin|tid|side with the user lower-cased', () => {
    expect(eventIdKey({ ...base, side: 'B', tid: 42 })).toBe(
      '0xabcdef0000000000000000000000000000000001|BTC|42|B',
    );
  });

  it('gives the two sides of a self-trade different ids', () => {
    expect(eventId({ ...base, side: 'B', tid: 42 })).not.toBe(eventId({ ...base, side: 'A', tid: 42 }));
  });

  it('falls back to oid|time|px|sz when tid is 0 or missing', () => {
    expect(eventIdKey({ ...base, side: 'A', tid: 0, oid: 7 })).toBe(
      '0xabcdef0000000000000000000000000000000001|BTC|7|1|1|2|A',
    );
    expect(eventId({ ...base, side: 'A', tid: undefined, oid: 7 })).toBe(
      eventId({ ...base, side: 'A', tid: 0, oid: 7 }),
    );
  });

  it('is a 64-char hex sha256', () => {
    expect(eventId({ ...base, side: 'B', tid: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('decimals, addresses, markets', () => {
  it('parses wire decimals exactly and prints them canonically', () => {
    expect(decStr(dec('-3695042.8999999999').plus(dec('1052.9')))).toBe('-3693989.9999999999');
    expect(decStr(dec('0.1').plus(dec('0.2')))).toBe('0.3');
    expect(decStr(dec('-0.0'))).toBe('0');
    expect(() => dec('1e5')).toThrow(RangeError);
    expect(() => dec('NaN')).toThrow(/not a decimal string/);
  });

  it('normalizes checksummed addresses and rejects bad ones with the reason', () => {
    expect(normalizeAddress('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')).toBe(
      '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    );
    expect(() => normalizeAddress('0x123')).toThrow(/40 hex digits/);
  });

  it('classifies markets', () => {
    expect(['BTC', 'xyz:TSLA', '@107', 'PURR/USDC', '#194180'].map(marketClass)).toEqual([
      'perp',
      'hip3',
      'spot',
      'spot',
      'outcome',
    ]);
  });
});
