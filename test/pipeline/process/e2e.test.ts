/**
 * End to end, on real files: connectors (fixture, synthetic, a throwing one) → pipeline →
 * normalized stream in the file event log, with quarantine routing covered by one case per
 * reason code, a disabled and an invalid connector that never run, metrics and /connectors.
 * Replaying the same raw input gives byte-identical logs and ids; replaying into the same log
 * writes nothing new.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { silentLogger, systemClock } from '../../../src/core/index.js';
import { PipelineConfig } from '../../../src/config/index.js';
import { ObsServer } from '../../../src/obs/index.js';
import type { Connector, ConnectorContext } from '../../../src/pipeline/connectors/index.js';
import { decodeEnvelope, QUALITY_FLAGS as F } from '../../../src/pipeline/envelope/index.js';
import type { NormalizedEvent } from '../../../src/pipeline/envelope/index.js';
import type { EventLog } from '../../../src/pipeline/eventlog/index.js';
import {
  decodeQuarantine,
  QUARANTINE_REASON_CODES,
  rawBytesOf,
} from '../../../src/pipeline/quarantine/index.js';
import type { QuarantineRecord } from '../../../src/pipeline/quarantine/index.js';
import { startPipelineRuntime } from '../../../src/pipeline/runtime/index.js';
import type { PipelineRuntime } from '../../../src/pipeline/runtime/index.js';
import { ScriptedConnector, T0 } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'pipeline-e2e-'));
const line = (o: object): string => JSON.stringify(o);
const t = (k: number): number => T0 + k * 1000;

const GOOD = [
  line({
    kind: 'trade',
    market: 'BTC',
    time: t(1),
    receivedAt: t(1) + 5,
    px: '97000.5',
    sz: '0.01',
    side: 'B',
    tid: 1,
  }),
  line({
    kind: 'bbo',
    market: 'BTC',
    time: t(1),
    receivedAt: t(1) + 6,
    bid: ['97000', '1'],
    ask: ['97001', '2'],
  }),
  line({
    kind: 'assetCtx',
    market: 'BTC',
    time: t(1),
    receivedAt: t(1) + 7,
    markPx: '97000.5',
    oraclePx: '96999',
    funding: '0.0000125',
    openInterest: '10',
  }),
  line({
    kind: 'candle',
    market: 'ETH',
    time: t(60),
    receivedAt: t(60) + 3,
    intervalMs: 60000,
    t: T0,
    T: t(60) - 1,
    o: '3000',
    h: '3010',
    l: '2990',
    c: '3005',
    v: '12.5',
    n: 40,
  }),
  line({
    kind: 'fill',
    market: 'BTC',
    time: t(2),
    receivedAt: t(2) + 9,
    user: '0x31ca8395cf837de08b24da3f660e77761dfb974b',
    px: '97001',
    sz: '0.02',
    side: 'A',
    tid: 7,
    startPosition: '0.02',
  }),
  line({
    kind: 'signal',
    market: 'BTC',
    time: t(2),
    receivedAt: t(2) + 12,
    signalId: 'cd'.repeat(32),
    influencerId: 'w',
    action: 'CLOSE',
    side: 'FLAT',
    position: '0',
    deltaSize: '-0.02',
    price: '97001',
    fillCount: 1,
  }),
  line({
    kind: 'trade',
    market: 'BTC',
    time: t(1),
    receivedAt: t(1) + 5,
    px: '97000.5',
    sz: '0.01',
    side: 'B',
    tid: 1,
  }), // a duplicate
];
/** One raw line per reason the fixture connector can hit. */
const BAD: Record<string, string> = {
  PARSE_ERROR: '{"kind":"trade","market":',
  SCHEMA_INVALID: line({
    kind: 'trade',
    market: 'BTC',
    time: t(3),
    px: '97000',
    sz: '0.01',
    side: 'X',
    tid: 2,
  }),
  UNSUPPORTED_RECORD: line({ kind: 'orderbook', market: 'BTC', time: t(3) }),
  UNMAPPED_MARKET: line({ kind: 'trade', market: 'DOGE', time: t(3), px: '0.1', sz: '5', side: 'B', tid: 3 }),
  FUTURE_EVENT_TIME: line({
    kind: 'trade',
    market: 'BTC',
    time: t(30),
    receivedAt: t(3),
    px: '97000',
    sz: '0.01',
    side: 'B',
    tid: 4,
  }),
  STALE_EVENT_TIME: line({
    kind: 'trade',
    market: 'BTC',
    time: t(3),
    receivedAt: t(400),
    px: '97000',
    sz: '0.01',
    side: 'B',
    tid: 5,
  }),
  SANITY_FAILED: line({ kind: 'bbo', market: 'BTC', time: t(3), bid: ['97002', '1'], ask: ['97001', '1'] }),
};
const UNDECLARED = line({
  kind: 'candle',
  market: 'BTC',
  time: t(60),
  intervalMs: 60000,
  t: T0,
  T: t(60) - 1,
  o: '1',
  h: '1',
  l: '1',
  c: '1',
  v: '0',
  n: 0,
});
const THROWN = 'the throwing connector record';

function manifestYaml(name: string, kind: string, over: object): string {
  return toYaml({
    name,
    version: '1.2.3',
    kind,
    source: { id: `src-${name}` },
    mode: 'streaming',
    payloadTypes: [
      'TRADE_TICK_V1',
      'CANDLE_V1',
      'BOOK_TOP_V1',
      'ASSET_CTX_V1',
      'INFLUENCER_FILL_V1',
      'INFLUENCER_SIGNAL_V1',
    ],
    timeBounds: { maxSkewMs: 5000, maxStalenessMs: 300_000 },
    markets: [
      { native: 'BTC', marketId: 'hl.perp.BTC', domain: 'crypto.perp', shards: 2 },
      { native: 'ETH', marketId: 'hl.perp.ETH', domain: 'crypto.perp' },
    ],
    owner: 'tests',
    ...over,
  });
}

function setup(): string {
  const dir = join(root, 'connectors');
  const fx = join(root, 'fixtures');
  mkdirSync(fx, { recursive: true });
  writeFileSync(join(fx, 'a-good.jsonl'), GOOD.join('\n') + '\n');
  writeFileSync(join(fx, 'b-bad.jsonl'), Object.values(BAD).join('\n') + '\n');
  writeFileSync(join(root, 'undeclared.jsonl'), UNDECLARED + '\n');
  const write = (name: string, text: string): void => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'connector.yaml'), text);
  };
  write('fx', manifestYaml('fx', 'fixture', { options: { paths: ['../../fixtures'] } }));
  write(
    'fx-trades-only',
    manifestYaml('fx-trades-only', 'fixture', {
      payloadTypes: ['TRADE_TICK_V1'],
      options: { paths: ['../../undeclared.jsonl'] },
    }),
  );
  write(
    'syn',
    manifestYaml('syn', 'synthetic', {
      payloadTypes: ['TRADE_TICK_V1', 'BOOK_TOP_V1', 'ASSET_CTX_V1'],
      options: { seed: 7, count: 600, ratePerSecond: 0, startTimeMs: T0 },
    }),
  );
  write('thrower', manifestYaml('thrower', 'throwing', {}));
  write(
    'off',
    manifestYaml('off', 'synthetic', { enabled: false, options: { count: 10, ratePerSecond: 0 } }),
  );
  write('broken', 'name: broken\nversion: one\n');
  return dir;
}

const connectorsDir = setup();

function throwing(ctx: ConnectorContext): Connector {
  const c = new ScriptedConnector(
    () => {
      throw new Error('normalize exploded');
    },
    ctx.manifest.name,
    ctx.manifest.version,
  );
  return Object.assign(c, {
    subscribe: async (sink: { push(r: { bytes: Uint8Array; receivedAtMs: number }): unknown }) => {
      await sink.push({ bytes: Buffer.from(THROWN), receivedAtMs: T0 });
    },
  });
}

async function runOnce(dataDir: string, registry?: Registry): Promise<PipelineRuntime> {
  const config = PipelineConfig.parse({
    connectorsDir,
    dataDir,
    batchRecords: 64,
    dedup: { store: 'file', lruEntries: 1000 },
  });
  const rt = await startPipelineRuntime({
    config,
    logger: silentLogger,
    clock: systemClock,
    factories: { throwing },
    ...(registry ? { registry } : {}),
  });
  await rt.finished();
  await rt.pipeline.flush();
  return rt;
}

async function readAll(log: EventLog): Promise<Map<string, Uint8Array[]>> {
  const out = new Map<string, Uint8Array[]>();
  for (const p of await log.partitions())
    out.set(
      p,
      (await log.read(p, { maxRecords: 100_000 })).map((r) => r.bytes),
    );
  return out;
}

function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

describe('pipeline end to end', async () => {
  const registry = new Registry();
  const first = await runOnce(join(root, 'run1'), registry);
  const events = [...(await readAll(first.eventLog)).values()].flat().map((b) => decodeEnvelope(b));
  const quarantine = new Map<string, QuarantineRecord[]>();
  for (const [reason, recs] of await readAll(first.quarantineLog))
    quarantine.set(reason, recs.map(decodeQuarantine));
  const status = first.status();
  const http = new ObsServer({
    host: '127.0.0.1',
    port: 0,
    metrics: { scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }) },
    connectors: { connectors: () => first.status() },
  });
  await http.start();
  const connectorsJson = (await (await fetch(`${http.url}/connectors`)).json()) as {
    connectors: { name: string; version: string; run: string; health: unknown }[];
  };
  const metricsText = await (await fetch(`${http.url}/metrics`)).text();
  await http.close();
  await first.stop();

  afterAll(async () => {
    await first.stop();
  });

  it('writes every valid record as an envelope, dropping the duplicate', () => {
    const fx = events.filter((e) => e.connectorId === 'fx');
    expect(fx.map((e) => e.payloadType).sort()).toEqual([
      'ASSET_CTX_V1',
      'BOOK_TOP_V1',
      'CANDLE_V1',
      'INFLUENCER_FILL_V1',
      'INFLUENCER_SIGNAL_V1',
      'TRADE_TICK_V1',
    ]);
    expect(events.filter((e) => e.connectorId === 'syn')).toHaveLength(600 - quarantineCount('syn'));
    expect(first.pipeline.totals.duplicates).toBe(1);
    for (const e of events) {
      expect(e.qualityFlags & F.QUARANTINED).toBe(0);
      expect(e.partitionKey.startsWith(e.marketId)).toBe(true);
    }
    expect(new Set(events.filter((e) => e.marketId === 'hl.perp.BTC').map((e) => e.partitionKey)).size).toBe(
      2,
    );
  });

  function quarantineCount(connector: string): number {
    return [...quarantine.values()].flat().filter((q) => q.connectorId === connector).length;
  }

  it('routes one record per reason code to quarantine with the original bytes, never to the stream', () => {
    expect([...quarantine.keys()].sort()).toEqual([...QUARANTINE_REASON_CODES].sort());
    for (const [reason, text] of Object.entries(BAD)) {
      const recs = (quarantine.get(reason) ?? []).filter((q) => q.connectorId === 'fx');
      expect(recs, reason).toHaveLength(1);
      expect(rawBytesOf(recs[0] as QuarantineRecord).toString()).toBe(text);
      expect((recs[0] as QuarantineRecord).qualityFlags & F.QUARANTINED).toBe(F.QUARANTINED);
    }
    expect(rawBytesOf(quarantine.get('UNDECLARED_PAYLOAD_TYPE')?.[0] as QuarantineRecord).toString()).toBe(
      UNDECLARED,
    );
    expect(quarantine.get('NORMALIZE_FAILED')?.[0]).toMatchObject({
      connectorId: 'thrower',
      detail: 'normalize exploded',
    });
    expect(rawBytesOf(quarantine.get('NORMALIZE_FAILED')?.[0] as QuarantineRecord).toString()).toBe(THROWN);
    const quarantinedIds = new Set(
      [...quarantine.values()]
        .flat()
        .map((q) => q.eventId)
        .filter(Boolean),
    );
    expect(quarantinedIds.size).toBeGreaterThan(0);
    expect(events.some((e) => quarantinedIds.has(e.eventId))).toBe(false);
  });

  it('runs neither the disabled nor the invalid connector, and says so on /connectors', () => {
    expect(events.length).toBeGreaterThan(600);
    expect(events.some((e) => e.connectorId === 'off')).toBe(false);
    const byName = new Map(status.map((s) => [s.name, s]));
    expect(byName.get('off')?.run).toBe('disabled');
    expect(byName.get('broken')?.run).toBe('invalid');
    expect(byName.get('broken')?.problems.join('; ')).toContain('version');
    expect(byName.get('fx')?.run).toBe('finished');
    expect(connectorsJson.connectors.find((c) => c.name === 'syn')).toMatchObject({
      version: '1.2.3',
      run: 'finished',
      health: { state: 'stopped' },
    });
  });

  it('counts what it did in the pipeline metrics', () => {
    expect(metricsText).toMatch(
      /pipeline_events_ingested_total\{connector="fx",payload_type="TRADE_TICK_V1"\} 1/,
    );
    expect(metricsText).toMatch(
      /pipeline_events_quarantined_total\{reason="SANITY_FAILED",connector="fx"\} 1/,
    );
    expect(metricsText).toMatch(/pipeline_dedup_hits_total\{connector="fx"\} 1/);
    expect(metricsText).toMatch(
      /pipeline_watermark_event_time_ms\{partition="hl\.perp\.ETH"\} 1764806460000/,
    );
    expect(metricsText).toContain('pipeline_ingest_lag_ms_bucket');
  });

  it('replaying the same raw input gives byte-identical envelopes and ids; into the same log it writes nothing', async () => {
    const second = await runOnce(join(root, 'run2'));
    await second.stop();
    const a = filesOf(join(root, 'run1', 'events'));
    expect(a.size).toBeGreaterThan(3);
    expect(filesOf(join(root, 'run2', 'events'))).toEqual(a);
    expect(filesOf(join(root, 'run2', 'quarantine'))).toEqual(filesOf(join(root, 'run1', 'quarantine')));

    const third = await runOnce(join(root, 'run1'));
    expect(third.pipeline.totals.ingested).toBe(0);
    expect(third.pipeline.totals.duplicates).toBe(events.length + 1);
    await third.stop();
    expect(filesOf(join(root, 'run1', 'events'))).toEqual(a);
    const ids = events.map((e: NormalizedEvent) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
