/**
 * E2E on real ClickHouse: fixture connector → pipeline → file event log → aggregation → gold
 * tables. Every bar row and every tick window's influencer consensus equals a reference computed
 * here from the fixture lines with plain BigInt arithmetic (not the engine). Re-running the same
 * input into the same tables adds no rows once deduplicated (FINAL).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { silentLogger, systemClock } from '../../../src/core/index.js';
import { PipelineConfig } from '../../../src/config/index.js';
import { ClickHouseGoldOutput } from '../../../src/pipeline/aggregation/index.js';
import { startPipelineRuntime } from '../../../src/pipeline/runtime/index.js';
import { httpClickHouse } from '../../../src/sinks/clickhouse/index.js';
import { services, uniqueName } from '../../harness/index.js';

const root = mkdtempSync(join(tmpdir(), 'agg-gold-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const T0 = 1_764_806_400_000; // a multiple of the cadence and epoch below
const CADENCE = 10_000;
const MARKETS = { BTC: 'hl.perp.BTC', ETH: 'hl.perp.ETH' } as const;
const TRADERS = ['whale-1', 'whale-2', 'whale-3'];

interface Trade {
  market: string;
  time: number;
  pxCents: bigint;
  szMilli: bigint;
}
interface Sig {
  market: string;
  time: number;
  who: string;
  side: 'LONG' | 'SHORT' | 'FLAT';
  deltaMilli: bigint;
}

const trades: Trade[] = [];
const signals: Sig[] = [];
const lines: string[] = [];
for (let i = 0; i < 240; i++) {
  const native = i % 2 === 0 ? 'BTC' : 'ETH';
  // Distinct times per market, so order within a window is by time alone.
  const time = T0 + i * 317;
  if (i % 5 === 4) {
    const who = TRADERS[(i * 7) % 3] ?? 'whale-1';
    const deltaMilli = BigInt(((i * 11) % 9) - 4 || 2) * 10n;
    const side = deltaMilli > 0n ? 'LONG' : 'SHORT';
    signals.push({ market: MARKETS[native], time, who, side, deltaMilli });
    lines.push(
      JSON.stringify({
        kind: 'signal',
        market: native,
        time,
        receivedAt: time + 12,
        signalId: i.toString(16).padStart(64, 'a'),
        influencerId: who,
        action: 'INCREASE',
        side,
        position: (Number(deltaMilli) / 1000).toString(),
        deltaSize: (Number(deltaMilli) / 1000).toString(),
        price: '100',
        fillCount: 1,
      }),
    );
  } else {
    const pxCents = (native === 'BTC' ? 9_700_000n : 300_000n) + BigInt((i * 37) % 500);
    const szMilli = BigInt(1 + (i % 9));
    trades.push({ market: MARKETS[native], time, pxCents, szMilli });
    lines.push(
      JSON.stringify({
        kind: 'trade',
        market: native,
        time,
        receivedAt: time + 5,
        px: `${pxCents / 100n}.${(pxCents % 100n).toString().padStart(2, '0')}`,
        sz: `0.${szMilli.toString().padStart(3, '0')}`,
        side: 'B',
        tid: i + 1,
      }),
    );
  }
}

/** The reference, by plain arithmetic: bars and consensus per (market, tick start). */
function reference() {
  const bars = new Map<string, Record<string, string | number>>();
  const group = new Map<string, Trade[]>();
  for (const t of trades) {
    const start = Math.floor(t.time / CADENCE) * CADENCE;
    const k = `${t.market}|${start}`;
    group.set(k, [...(group.get(k) ?? []), t]);
  }
  const E6 = 1_000_000n; // cents → scale 8
  const E5 = 100_000n; // milli → scale 8
  for (const [k, ts] of group) {
    ts.sort((a, b) => a.time - b.time);
    const px = ts.map((t) => t.pxCents * E6);
    const vol = ts.reduce((s, t) => s + t.szMilli * E5, 0n);
    const notional16 = ts.reduce((s, t) => s + t.pxCents * E6 * t.szMilli * E5, 0n);
    const max = px.reduce((a, b) => (b > a ? b : a));
    const min = px.reduce((a, b) => (b < a ? b : a));
    bars.set(k, {
      open: String(px[0]),
      high: String(max),
      low: String(min),
      close: String(px[px.length - 1]),
      volume: String(vol),
      vwap: String(notional16 / vol),
      trade_count: String(ts.length),
    });
  }
  const consensus = new Map<string, { long: number; short: number; net: bigint }>();
  const sg = new Map<string, Sig[]>();
  for (const s of signals) {
    const k = `${s.market}|${Math.floor(s.time / CADENCE) * CADENCE}`;
    sg.set(k, [...(sg.get(k) ?? []), s]);
  }
  for (const [k, ss] of sg) {
    const last = new Map<string, string>();
    for (const s of [...ss].sort((a, b) => a.time - b.time)) last.set(s.who, s.side);
    consensus.set(k, {
      long: [...last.values()].filter((x) => x === 'LONG').length,
      short: [...last.values()].filter((x) => x === 'SHORT').length,
      net: ss.reduce((n, s) => n + s.deltaMilli * 100_000n, 0n),
    });
  }
  return { bars, consensus };
}

function setup(): string {
  const dir = join(root, 'connectors');
  mkdirSync(join(dir, 'fx'), { recursive: true });
  mkdirSync(join(root, 'fixtures'), { recursive: true });
  writeFileSync(join(root, 'fixtures', 'stream.jsonl'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 'fx', 'connector.yaml'),
    toYaml({
      name: 'fx',
      version: '1.0.0',
      kind: 'fixture',
      source: { id: 'fx-src' },
      mode: 'streaming',
      payloadTypes: ['TRADE_TICK_V1', 'INFLUENCER_SIGNAL_V1'],
      timeBounds: { maxSkewMs: 5000, maxStalenessMs: 300_000 },
      markets: [
        { native: 'BTC', marketId: MARKETS.BTC, domain: 'crypto.perp', shards: 2 },
        { native: 'ETH', marketId: MARKETS.ETH, domain: 'crypto.perp' },
      ],
      owner: 'tests',
      options: { paths: ['../../fixtures'] },
    }),
  );
  return dir;
}

describe('connectors → event log → aggregation → ClickHouse gold (real ClickHouse)', () => {
  it('gold rows equal an independent reference, and a re-run adds nothing', async () => {
    const connectorsDir = setup();
    const database = uniqueName('agg_gold');
    const url = services().clickhouse.url;
    const run = async (n: number) => {
      const gold = new ClickHouseGoldOutput(httpClickHouse({ url, database }));
      await gold.ensureSchema();
      const rt = await startPipelineRuntime({
        config: PipelineConfig.parse({
          connectorsDir,
          dataDir: join(root, `data-${n}`),
          dedup: { store: 'memory' },
          aggregation: {
            defaults: {
              epochWindowMs: 60_000,
              publishCadenceMs: CADENCE,
              allowedLatenessMs: 1_000,
              rollingWindowsMs: [30_000],
            },
            pollIntervalMs: 20,
          },
        }),
        logger: silentLogger,
        clock: systemClock,
        aggregationOutputs: [gold],
      });
      await rt.finished();
      await rt.stop();
      expect(rt.aggregator?.consumed).toBe(lines.length);
    };
    await run(1);

    const admin = httpClickHouse({ url, database });
    try {
      const rows = await admin.queryRows(
        'SELECT market_id, start_ms, open, high, low, close, volume, vwap, trade_count FROM gold_ohlc_bars FINAL ORDER BY market_id, start_ms',
      );
      const ref = reference();
      expect(ref.bars.size).toBe(16); // 2 markets × 8 ticks of 10 s over 76 s
      expect(ref.consensus.size).toBeGreaterThan(8);
      expect(rows.length).toBe(ref.bars.size);
      for (const r of rows) {
        const want = ref.bars.get(`${String(r['market_id'])}|${String(r['start_ms'])}`);
        expect(want, `bar ${String(r['market_id'])} ${String(r['start_ms'])}`).toBeDefined();
        const { market_id: _m, start_ms: _s, ...got } = r;
        expect(Object.fromEntries(Object.entries(got).map(([k, v]) => [k, String(v)]))).toEqual(want);
      }
      const vec = await admin.queryRows(
        "SELECT market_id, start_ms, influencers_long, influencers_short, influencer_net_flow FROM gold_feature_vectors FINAL WHERE kind = 'tick' AND influencers_long + influencers_short > 0 ORDER BY market_id, start_ms",
      );
      expect(vec.length).toBe(ref.consensus.size);
      for (const r of vec) {
        const want = ref.consensus.get(`${String(r['market_id'])}|${String(r['start_ms'])}`);
        expect([
          String(r['influencers_long']),
          String(r['influencers_short']),
          String(r['influencer_net_flow']),
        ]).toEqual([String(want?.long), String(want?.short), String(want?.net)]);
      }
      const kinds = await admin.queryRows(
        'SELECT kind, count() AS n FROM gold_feature_vectors FINAL GROUP BY kind ORDER BY kind',
      );
      expect(kinds.map((k) => String(k['kind']))).toEqual(['epoch', 'rolling', 'tick']);

      // The same input again (a fresh data dir, the same tables): deduplicated by window key.
      const before = await admin.queryRows('SELECT count() AS n FROM gold_feature_vectors FINAL');
      await run(2);
      const raw = await admin.queryRows('SELECT count() AS n FROM gold_feature_vectors');
      const after = await admin.queryRows('SELECT count() AS n FROM gold_feature_vectors FINAL');
      expect(Number(raw[0]?.['n'])).toBe(2 * Number(before[0]?.['n']));
      expect(Number(after[0]?.['n'])).toBe(Number(before[0]?.['n']));
    } finally {
      await admin.close();
    }
  }, 60_000);
});
