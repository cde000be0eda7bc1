/**
 * Benchmark: the `trades` fast path vs the obvious baseline (JSON.parse every frame, then a
 * Set filter on `users`). Realistic tape: 200 coins, 1–6 trades per frame, 1 000 tracked
 * addresses among 50 000, ~1% of trade sides tracked. Both paths must find the same trades;
 * the run fails loudly if they do not. Run: `npx tsx bench/trades-fastpath.ts`.
 */
import { TradesFastPath } from '../src/protocol/index.js';

export interface TradesBenchResult {
  readonly frames: number;
  readonly trades: number;
  readonly matchedTrades: number;
  readonly baselineTradesPerSec: number;
  readonly fastPathTradesPerSec: number;
  readonly ratio: number;
}

export interface TradesBenchOptions {
  readonly frames?: number;
  readonly rounds?: number;
  readonly seed?: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(rand() * 16)];
  return s;
}

export function makeTape(
  frameCount: number,
  seed = 42,
): { frames: string[]; tracked: string[]; trades: number; coins: string[] } {
  const rand = rng(seed);
  const addresses = Array.from({ length: 50_000 }, () => `0x${hex(rand, 40)}`);
  const tracked = addresses.slice(0, 1000);
  const untracked = addresses.slice(1000);
  const coins = Array.from({ length: 200 }, (_, i) => (i < 150 ? `C${i}` : i < 180 ? `xyz:T${i}` : `@${i}`));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
  const side = (): string => (rand() < 0.01 ? pick(tracked) : pick(untracked));
  const frames: string[] = [];
  let trades = 0;
  let time = 1787259217020;
  let tid = 877707108085800;
  for (let f = 0; f < frameCount; f++) {
    const coin = pick(coins);
    const n = 1 + Math.floor(rand() * 6);
    const rows: string[] = [];
    time += Math.floor(rand() * 3);
    for (let k = 0; k < n; k++) {
      const hash = rand() < 0.28 ? `0x${'0'.repeat(64)}` : `0x${hex(rand, 64)}`;
      rows.push(
        `{"coin":"${coin}","side":"${rand() < 0.5 ? 'B' : 'A'}","px":"${(rand() * 100000).toFixed(1)}","sz":"${(rand() * 10).toFixed(5)}","time":${time},"hash":"${hash}","tid":${tid++},"users":["${side()}","${side()}"]}`,
      );
    }
    trades += n;
    frames.push(`{"channel":"trades","data":[${rows.join(',')}]}`);
  }
  return { frames, tracked, trades, coins };
}

interface TradeLike {
  users: [string, string];
}

/** The obvious tracker, in-process: JSON.parse every frame, a Set lookup per trade side. Returns matches. */
export function jsonParseSetFilter(frames: readonly string[], tracked: ReadonlySet<string>): number {
  let matched = 0;
  for (const f of frames) {
    const msg = JSON.parse(f) as { data: TradeLike[] };
    for (const t of msg.data) if (tracked.has(t.users[0]) || tracked.has(t.users[1])) matched++;
  }
  return matched;
}

function fast(frames: readonly string[], fp: TradesFastPath): number {
  let matched = 0;
  for (const f of frames) {
    const r = fp.process(f);
    if (r.kind === 'matched') matched += r.trades.length;
  }
  return matched;
}

export function runTradesFastPathBench(options: TradesBenchOptions = {}): TradesBenchResult {
  const frameCount = options.frames ?? 200_000;
  const rounds = options.rounds ?? 5;
  const { frames, tracked, trades } = makeTape(frameCount, options.seed ?? 42);
  const set = new Set(tracked);
  const fp = new TradesFastPath({ listenerId: 'bench', tracked });
  const mBase = jsonParseSetFilter(frames, set); // warm-up and the expected answer
  const mFast = fast(frames, fp);
  if (mBase !== mFast) throw new Error(`fast path found ${mFast} trades, baseline ${mBase}: they must agree`);
  let bestBase = Infinity;
  let bestFast = Infinity;
  for (let r = 0; r < rounds; r++) {
    let t = process.hrtime.bigint();
    jsonParseSetFilter(frames, set);
    bestBase = Math.min(bestBase, Number(process.hrtime.bigint() - t) / 1e9);
    t = process.hrtime.bigint();
    fast(frames, fp);
    bestFast = Math.min(bestFast, Number(process.hrtime.bigint() - t) / 1e9);
  }
  const baselineTradesPerSec = trades / bestBase;
  const fastPathTradesPerSec = trades / bestFast;
  return {
    frames: frameCount,
    trades,
    matchedTrades: mBase,
    baselineTradesPerSec,
    fastPathTradesPerSec,
    ratio: fastPathTradesPerSec / baselineTradesPerSec,
  };
}

const isMain = import.meta.url === `file://${process.argv[1] ?? ''}`;
if (isMain) {
  const r = runTradesFastPathBench();
  const fmt = (n: number): string => `${(n / 1e6).toFixed(2)}M trades/s`;
  console.log(
    `trades fast path benchmark: ${r.frames} frames, ${r.trades} trades, ${r.matchedTrades} tracked trades`,
  );
  console.log(`  baseline (JSON.parse + Set filter): ${fmt(r.baselineTradesPerSec)}`);
  console.log(`  fast path (raw scan + bitset)     : ${fmt(r.fastPathTradesPerSec)}`);
  console.log(`  ratio fast/baseline               : ${r.ratio.toFixed(2)}x (target >= 1.5x)`);
}
