/**
 * CPU and memory cost of the metrics layer at 1 000 influencers: the per-event cost of the
 * Metrics methods on the hot path, the heap the per-influencer series take, and what a
 * Prometheus scrape costs (time and body size). Run: `npx tsx bench/metrics-overhead.ts`
 * (add `node --expose-gc --import tsx` for exact heap numbers).
 */
import { performance } from 'node:perf_hooks';
import { Metrics } from '../src/obs/index.js';

export interface MetricsOverheadOptions {
  readonly influencers?: number;
  readonly marketsPerInfluencer?: number;
  /** Simulated fills; each drives the ~8 metric updates a fill causes end to end. */
  readonly fills?: number;
  readonly scrapes?: number;
  readonly perInfluencerLabels?: boolean;
}

export interface MetricsOverheadResult {
  readonly influencers: number;
  readonly perInfluencerLabels: boolean;
  readonly series: number;
  readonly setupMs: number;
  readonly metricUpdates: number;
  readonly nsPerUpdate: number;
  readonly nsPerFill: number;
  readonly heapDeltaMiB: number;
  readonly exactHeap: boolean;
  readonly scrapeMsAvg: number;
  readonly scrapeBytes: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapMiB(): number {
  gc?.();
  return process.memoryUsage().heapUsed / (1024 * 1024);
}

const ROLES = ['primary', 'secondary'] as const;
const ACTIONS = ['OPEN', 'CLOSE', 'INCREASE', 'DECREASE', 'FLIP'];

export async function measureMetricsOverhead(
  options: MetricsOverheadOptions = {},
): Promise<MetricsOverheadResult> {
  const n = options.influencers ?? 1000;
  const marketsPer = options.marketsPerInfluencer ?? 5;
  const fills = options.fills ?? 200_000;
  const scrapes = options.scrapes ?? 10;
  const perInfluencerLabels = options.perInfluencerLabels ?? true;
  const influencers = Array.from({ length: n }, (_, i) => `inf-${i}`);
  const markets = Array.from({ length: 50 }, (_, i) => (i % 10 === 9 ? `xyz:M${i}` : `M${i}`));

  const heap0 = heapMiB();
  const t0 = performance.now();
  const m = new Metrics({ perInfluencerLabels, collectDefaultMetrics: true });
  // What start-up and steady state create: two listeners per influencer, health, skew.
  for (const influencer of influencers) {
    m.listenerState({ influencer, role: 'primary', kind: 'user-stream', state: 'live' });
    m.listenerState({ influencer, role: 'secondary', kind: 'market-stream', state: 'live' });
    m.influencerHealthyListeners({ influencer }, 2);
    m.listenerSkew({ influencer, ms: 12 });
    m.failover({ influencer, reason: 'primary-degraded' });
  }
  m.coverage({ dual: n, single: 0, dark: 0 });
  for (let p = 0; p < 4; p++) {
    for (const resource of ['users', 'connections', 'subscriptions', 'messages']) {
      m.budgetUse({ pool: `pool-${p}`, resource, used: 5, limit: 10 });
    }
  }
  const setupMs = performance.now() - t0;

  // One fill as it flows through the pipeline, delivered by both listeners.
  let updates = 0;
  const t1 = performance.now();
  for (let i = 0; i < fills; i++) {
    const influencer = influencers[i % n] as string;
    const market = markets[(i * 7 + Math.floor(i / n)) % marketsPer] as string;
    const role = ROLES[i & 1] as (typeof ROLES)[number];
    m.messageReceived({ channel: 'userFills' });
    m.messageReceivedFor({ influencer, market });
    m.listenerLag({ role, kind: 'user-stream', ms: 40 + (i % 200) });
    m.messageReceived({ channel: 'trades' });
    m.duplicateSuppressed({ role: role === 'primary' ? 'secondary' : 'primary' });
    m.signalEmitted({ action: ACTIONS[i % ACTIONS.length] as string, marketClass: 'perp' });
    m.publishLatency({ sink: 'kafka' }, 0.002 + (i % 50) / 10_000);
    m.endToEndLatency(0.01 + (i % 100) / 1000);
    updates += 8;
  }
  const hotMs = performance.now() - t1;
  const heap1 = heapMiB();

  let scrapeBytes = 0;
  const t2 = performance.now();
  for (let i = 0; i < scrapes; i++) scrapeBytes = Buffer.byteLength((await m.scrape()).body);
  const scrapeMsAvg = (performance.now() - t2) / scrapes;
  const series = (await m.scrape()).body.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;

  return {
    influencers: n,
    perInfluencerLabels,
    series,
    setupMs: round(setupMs),
    metricUpdates: updates,
    nsPerUpdate: round((hotMs * 1e6) / updates),
    nsPerFill: round((hotMs * 1e6) / fills),
    heapDeltaMiB: round(heap1 - heap0),
    exactHeap: gc !== undefined,
    scrapeMsAvg: round(scrapeMsAvg),
    scrapeBytes,
  };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

async function main(): Promise<void> {
  for (const perInfluencerLabels of [true, false]) {
    const r = await measureMetricsOverhead({ perInfluencerLabels });
    console.log(
      [
        `metrics-overhead influencers=${r.influencers} perInfluencerLabels=${r.perInfluencerLabels}`,
        `  series=${r.series} setup=${r.setupMs} ms`,
        `  hot path: ${r.nsPerUpdate} ns/update, ${r.nsPerFill} ns/fill (8 updates per fill, ${r.metricUpdates} updates)`,
        `  heap delta=${r.heapDeltaMiB} MiB${r.exactHeap ? '' : ' (no --expose-gc: approximate)'}`,
        `  scrape: ${r.scrapeMsAvg} ms avg, ${(r.scrapeBytes / 1024).toFixed(1)} KiB`,
      ].join('\n'),
    );
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
