/**
 * Benchmark: signals per second through the position engine in block-aggregation mode on one
 * core. Synthetic user-stream fills (startPosition chained), 3 fills per block, 20 markets,
 * no ports (no I/O), fed one block at a time through `ingestBlock` at the schema's settle
 * default, as the service feeds it. Prints the numbers; `benchPositions()` returns them for bench/run-all.ts.
 */
import { pathToFileURL } from 'node:url';
import { Decimal, normalizeAddress } from '../src/core/index.js';
import type { Clock, FillEvent, TimerHandle } from '../src/core/index.js';
import { PositionsConfig } from '../src/config/index.js';
import { PositionEngine } from '../src/positions/index.js';
import { benchFill } from './fills.js';

export interface PositionsBenchResult {
  readonly fills: number;
  readonly signals: number;
  readonly seconds: number;
  readonly fillsPerSecond: number;
  readonly signalsPerSecond: number;
  /** CPU time (user + system) of the timed section: what one core does when the box is shared. */
  readonly cpuSeconds: number;
  readonly fillsPerCpuSecond: number;
}

const noTimers: Clock = {
  now: () => 0,
  setTimeout: (): TimerHandle => ({ cancel: () => undefined }),
  setInterval: (): TimerHandle => ({ cancel: () => undefined }),
  sleep: () => Promise.resolve(),
};

function makeFills(blocks: number, perBlock: number, markets: number): FillEvent[] {
  const user = normalizeAddress('0x' + '12'.repeat(20));
  const pos = new Map<string, Decimal>();
  const out: FillEvent[] = [];
  let tid = 1;
  for (let b = 0; b < blocks; b++) {
    const coin = `C${b % markets}`;
    const time = 1_000_000 + b;
    let p = pos.get(coin) ?? new Decimal(0);
    const side: 'B' | 'A' = (b >> 3) % 2 === 0 ? 'B' : 'A';
    for (let k = 0; k < perBlock; k++) {
      const sz = new Decimal(((tid * 7) % 50) + 1).div(100);
      const px = new Decimal(100 + (tid % 13)).div(10);
      out.push(
        benchFill({
          user,
          coin,
          side,
          tid,
          oid: b,
          time,
          px,
          sz,
          startPosition: p,
          listenerId: 'bench/primary',
        }),
      );
      tid++;
      p = side === 'B' ? p.plus(sz) : p.minus(sz);
    }
    pos.set(coin, p);
  }
  return out;
}

export async function benchPositions(
  blocks = 60_000,
  perBlock = 3,
  markets = 20,
): Promise<PositionsBenchResult> {
  const fills = makeFills(blocks, perBlock, markets);
  // Block mode at the schema's settle default (latency-first: each block closes on the next one).
  const engine = new PositionEngine({ clock: noTimers, settleMs: PositionsConfig.parse({}).settleWindowMs });
  let signals = 0;
  engine.events.on('signal', () => signals++);
  await engine.admit('bench', fills[0]?.user ?? '');
  // As the service feeds it: one fan-in batch (one block of one market) at a time.
  const batches: FillEvent[][] = [];
  for (const f of fills) {
    const last = batches[batches.length - 1];
    if (last && last[0]?.time === f.time && last[0].coin === f.coin) last.push(f);
    else batches.push([f]);
  }
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (const b of batches) engine.ingestBlock('bench', b);
  engine.flush();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const used = process.cpuUsage(cpu0);
  const cpuSeconds = (used.user + used.system) / 1e6;
  await engine.close();
  return {
    fills: fills.length,
    signals,
    seconds,
    fillsPerSecond: Math.round(fills.length / seconds),
    signalsPerSecond: Math.round(signals / seconds),
    cpuSeconds,
    fillsPerCpuSecond: Math.round(fills.length / cpuSeconds),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchPositions(5_000); // warm-up
  const r = await benchPositions();
  console.log(
    `positions (block mode): ${r.fills} fills -> ${r.signals} signals in ${r.seconds.toFixed(2)} s: ` +
      `${r.fillsPerSecond} fills/s, ${r.signalsPerSecond} signals/s (one core); ` +
      `${r.fillsPerCpuSecond} fills/CPU-s (${r.cpuSeconds.toFixed(2)} CPU-s)`,
  );
}
