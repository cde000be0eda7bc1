/** Mapping rules: exact entries win, `*` maps the rest with {native}, bounds and shards per market. */
import { describe, expect, it } from 'vitest';
import { partitionKeyOf } from '../../../src/pipeline/envelope/index.js';
import { MarketMap } from '../../../src/pipeline/mapping/index.js';
import { manifest } from '../helpers.js';

describe('MarketMap', () => {
  it('maps exact symbols with per-market bounds and shards, and leaves the rest unmapped', () => {
    const m = new MarketMap(manifest());
    expect(m.map('BTC')).toEqual({
      marketId: 'm.BTC',
      domain: 'crypto.perp',
      shards: 1,
      bounds: { maxSkewMs: 1000, maxStalenessMs: 60_000 },
    });
    expect(m.map('SOL')?.bounds).toEqual({ maxSkewMs: 1000, maxStalenessMs: 10 });
    expect(m.map('HOT')?.shards).toBe(8);
    expect(m.map('DOGE')).toBeUndefined();
    expect(m.map('btc')).toBeUndefined(); // symbols are case-sensitive, as on the wire
  });

  it('a wildcard maps every other symbol, the exact entry still wins', () => {
    const m = new MarketMap(
      manifest({
        markets: [
          { native: 'BTC', marketId: 'special.BTC', domain: 'crypto.perp' },
          { native: '*', marketId: 'hl.perp.{native}', domain: 'crypto.perp', maxSkewMs: 7 },
        ],
      }),
    );
    expect(m.map('BTC')?.marketId).toBe('special.BTC');
    expect(m.map('xyz:TSLA')).toMatchObject({
      marketId: 'hl.perp.xyz:TSLA',
      bounds: { maxSkewMs: 7, maxStalenessMs: 60_000 },
    });
  });

  it('a hot market shards by the event id prefix, stably', () => {
    const id = 'fffffffe' + '0'.repeat(56);
    expect(partitionKeyOf('m.HOT', id, 8)).toBe(`m.HOT#${0xfffffffe % 8}`);
    expect(partitionKeyOf('m.HOT', id, 1)).toBe('m.HOT');
    const spread = new Set(
      Array.from({ length: 64 }, (_, i) =>
        partitionKeyOf('m.HOT', i.toString(16).padStart(8, '0') + '0'.repeat(56), 8),
      ),
    );
    expect(spread.size).toBe(8);
  });

  it('the manifest schema refuses duplicate symbols and a batch connector without a schedule', () => {
    expect(() =>
      manifest({
        markets: [
          { native: 'A', marketId: 'a', domain: 'd' },
          { native: 'A', marketId: 'b', domain: 'd' },
        ],
      }),
    ).toThrow(/duplicate native symbol/);
    expect(() => manifest({ mode: 'batch' })).toThrow('required when mode is batch');
  });
});
