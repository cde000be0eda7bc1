/**
 * The connector.yaml files of the Hyperliquid market-data and influencer-ingester connectors
 * validate against the manifest schema, and their `options` against their factories' schemas,
 * so `ingest connectors validate` and the factories accept what is committed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConnectorManifest } from '../../../src/pipeline/connectors/index.js';
import { HL_MARKET_KIND, HlMarketOptions } from '../../../src/pipeline/connectors/hyperliquid/index.js';
import {
  INFLUENCER_INGESTER_KIND,
  InfluencerIngesterOptions,
} from '../../../src/pipeline/connectors/influencer/index.js';

const load = (name: string): unknown =>
  parse(readFileSync(new URL(`../../../connectors/${name}/connector.yaml`, import.meta.url), 'utf8'));

describe('committed connector manifests', () => {
  it('hyperliquid-market: valid manifest, kind and options; every coin has a market mapping', () => {
    const m = ConnectorManifest.parse(load('hyperliquid-market'));
    expect(m.name).toBe('hyperliquid-market');
    expect(m.kind).toBe(HL_MARKET_KIND);
    const o = HlMarketOptions.parse(m.options);
    for (const coin of o.coins)
      expect(m.markets.some((mk) => mk.native === coin || mk.native === '*')).toBe(true);
    expect(m.payloadTypes).toEqual(['TRADE_TICK_V1', 'CANDLE_V1', 'BOOK_TOP_V1', 'ASSET_CTX_V1']);
  });

  it('influencer-ingester: valid manifest, kind and options', () => {
    const m = ConnectorManifest.parse(load('influencer-ingester'));
    expect(m.kind).toBe(INFLUENCER_INGESTER_KIND);
    expect(InfluencerIngesterOptions.parse(m.options).maxBuffered).toBe(100_000);
    expect(m.payloadTypes).toEqual(['INFLUENCER_FILL_V1', 'INFLUENCER_SIGNAL_V1']);
  });

  it('a bad option is refused with the field named', () => {
    const r = HlMarketOptions.safeParse({ coins: ['BTC'], candles: { intervals: ['2m'] } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['candles', 'intervals', 0]);
  });
});
