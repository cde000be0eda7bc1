/** Shared test builders for the pipeline: manifests, a scripted connector, validator settings. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as fromYaml, stringify as toYaml } from 'yaml';
import { ConnectorManifest } from '../../src/pipeline/connectors/index.js';
import type {
  Connector,
  ConnectorHealth,
  NormalizedDraft,
  NormalizeResult,
  RawRecord,
} from '../../src/pipeline/connectors/index.js';
import type { ValidatorSettings } from '../../src/pipeline/validation/index.js';

export function manifest(over: Record<string, unknown> = {}): ConnectorManifest {
  return ConnectorManifest.parse({
    name: 'test',
    version: '1.0.0',
    kind: 'scripted',
    source: { id: 'test-source' },
    mode: 'streaming',
    payloadTypes: [
      'TRADE_TICK_V1',
      'CANDLE_V1',
      'BOOK_TOP_V1',
      'ASSET_CTX_V1',
      'INFLUENCER_FILL_V1',
      'INFLUENCER_SIGNAL_V1',
    ],
    timeBounds: { maxSkewMs: 1000, maxStalenessMs: 60_000 },
    markets: [
      { native: 'BTC', marketId: 'm.BTC', domain: 'crypto.perp' },
      { native: 'HOT', marketId: 'm.HOT', domain: 'crypto.perp', shards: 8 },
      { native: 'SOL', marketId: 'm.SOL', domain: 'crypto.perp', maxStalenessMs: 10 },
    ],
    owner: 'tests',
    ...over,
  });
}

export const SETTINGS: ValidatorSettings = {
  outlier: { window: 50, minSamples: 10, zScore: 6, minDeviationBps: 50 },
  divergence: { thresholdBps: 100, maxAgeMs: 5000 },
};

/** A connector whose normalize maps raw bytes (a JSON key) to a scripted result. */
export class ScriptedConnector implements Connector {
  readonly capabilities = {
    streaming: true,
    polling: false,
    expectedLatencyMs: 0,
    rateLimits: {},
    domains: [],
    markets: [],
  };
  state: ConnectorHealth = { state: 'healthy', lastRecordAtMs: null, errors: 0 };

  constructor(
    readonly script: (raw: RawRecord) => NormalizeResult,
    readonly id = 'test',
    readonly version = '1.0.0',
  ) {}

  normalize(raw: RawRecord): NormalizeResult {
    return this.script(raw);
  }

  health(): ConnectorHealth {
    return this.state;
  }
}

export const T0 = 1_764_806_400_000;

export function raw(text: string, receivedAtMs = T0): RawRecord {
  return { bytes: Buffer.from(text), receivedAtMs };
}

export const tick = (px: bigint, over: Partial<NormalizedDraft> = {}): NormalizedDraft =>
  ({
    payloadType: 'TRADE_TICK_V1',
    nativeMarket: 'BTC',
    eventTimeMs: T0,
    payload: { px, sz: 100n, side: 'BUY', tradeId: 0n },
    ...over,
  }) as NormalizedDraft;

export const book = (bidPx: bigint, askPx: bigint, over: Partial<NormalizedDraft> = {}): NormalizedDraft =>
  ({
    payloadType: 'BOOK_TOP_V1',
    nativeMarket: 'BTC',
    eventTimeMs: T0,
    payload: { bidPx, bidSz: bidPx === 0n ? 0n : 1n, askPx, askSz: askPx === 0n ? 0n : 1n },
    ...over,
  }) as NormalizedDraft;

/**
 * Writes `connectors/<name>/connector.yaml` under `dir` for each entry: the repo's synthetic
 * connector with that name and these options. Returns `dir` (a connectors directory).
 */
export function syntheticConnectors(
  dir: string,
  options: Readonly<Record<string, Record<string, unknown>>>,
): string {
  const base = fromYaml(readFileSync('connectors/synthetic/connector.yaml', 'utf8')) as Record<
    string,
    unknown
  >;
  for (const [name, o] of Object.entries(options)) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'connector.yaml'), toYaml({ ...base, name, options: o }));
  }
  return dir;
}
