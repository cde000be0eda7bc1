/**
 * Benchmark: fan-in throughput on one core (dedup + per-key ordering + serial writers) with
 * two listeners delivering every fill, and dedup memory per key (the compact typed-array LRU
 * vs a plain Map<string, number> LRU of the same ids). Prints the numbers; `benchFanin()`
 * returns them for bench/run-all.ts. Run: `npx tsx --expose-gc bench/fanin.ts` (gc makes the
 * heap numbers steadier; without it they are still printed).
 */
import { pathToFileURL } from 'node:url';
import type { Clock, FillEvent, TimerHandle } from '../src/core/index.js';
import { Decimal, eventId, normalizeAddress, silentLogger } from '../src/core/index.js';
import { FaninConfig } from '../src/config/index.js';
import { FanIn, MemoryDedupStore } from '../src/fanin/index.js';
import type { HandoffRecord } from '../src/handoff/index.js';
import { createInProcessHandoff } from '../src/handoff/index.js';
import { benchFill } from './fills.js';

const FANIN_DEFAULTS = FaninConfig.parse({});

export interface FaninBenchResult {
  readonly uniqueFills: number;
  readonly deliveries: number;
  /** CPU seconds (user + system) spent in the timed section. */
  readonly seconds: number;
  readonly wallSeconds: number;
  readonly uniqueFillsPerSecond: number;
  /** The same run with every frame passing the in-process hand-off (the service's wiring). */
  readonly viaHandoffUniqueFillsPerSecond: number;
  /** Same, over wall time (equal to CPU time on an idle core; GC helper threads make CPU time larger). */
  readonly uniqueFillsPerWallSecond: number;
  readonly deliveriesPerSecond: number;
  readonly emitted: number;
  readonly duplicates: number;
  readonly dedupKeys: number;
  readonly compactBytesPerKey: number;
  readonly compactHeapBytesPerKey: number;
  readonly mapHeapBytesPerKey: number;
}

/** A clock the bench drives by hand, firing due timers as time advances. */
class BenchClock implements Clock {
  t = 1_000_000;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const x = { at: this.t + ms, fn, live: true };
    this.timers.push(x);
    return { cancel: () => (x.live = false) };
  }
  setInterval(): TimerHandle {
    return { cancel: () => undefined };
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.live && x.at <= this.t);
    this.timers = this.timers.filter((x) => x.live && x.at > this.t);
    for (const x of due) x.fn();
  }
}

function makeFills(n: number, users: number, coins: number, perBlock: number): FillEvent[] {
  const addrs = Array.from({ length: users }, (_, i) =>
    normalizeAddress('0x' + (i + 1).toString(16).padStart(40, '0')),
  );
  const pos = new Map<string, Decimal>();
  const out: FillEvent[] = [];
  let tid = 1;
  for (let b = 0; out.length < n; b++) {
    const user = addrs[b % users] as (typeof addrs)[number];
    const coin = `C${Math.floor(b / users) % coins}`;
    const time = 1_000_000 + b;
    const k = `${user}|${coin}`;
    let p = pos.get(k) ?? new Decimal(0);
    for (let j = 0; j < perBlock && out.length < n; j++) {
      const side: 'B' | 'A' = (tid >> 2) % 2 === 0 ? 'B' : 'A';
      const sz = new Decimal(((tid * 7) % 50) + 1);
      const px = new Decimal(100 + (tid % 13));
      out.push(
        benchFill({ user, coin, side, tid, oid: tid, time, px, sz, startPosition: p, listenerId: 'p' }),
      );
      p = side === 'B' ? p.plus(sz) : p.minus(sz);
      tid++;
    }
    pos.set(k, p);
  }
  return out;
}

function heapNow(): number {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const expected = [
  { listenerId: 'p', kind: 'user-stream' as const },
  { listenerId: 's', kind: 'user-stream' as const },
];

/**
 * `viaHandoff`: every frame goes listener -> in-process hand-off -> fan-in, as the service
 * wires it, instead of straight into FanIn.push (the floor it is compared with in one run).
 */
function throughput(
  fills: FillEvent[],
  viaHandoff = false,
): {
  seconds: number;
  wallSeconds: number;
  emitted: number;
  duplicates: number;
  deliveries: number;
} {
  const clock = new BenchClock();
  let emitted = 0;
  const fanin = new FanIn({
    clock,
    logger: silentLogger,
    dedup: new MemoryDedupStore({ maxEntries: 2_000_000, ttlMs: 3_600_000 }),
    resolveInfluencers: (u) => [u],
    deliver: (b) => {
      emitted += b.fills.length;
    },
    // The service's defaults (latency-first: released on admission unless a key is held).
    reorderWindowMs: FANIN_DEFAULTS.reorderWindowMs,
    gapHoldMs: FANIN_DEFAULTS.gapHoldMs,
    expectedListeners: () => expected,
  });
  const secondary = fills.map((f) => ({
    ...f,
    source: { ...f.source, listenerId: 's', receivedAt: f.time + 3 },
  }));
  let push = (batch: readonly FillEvent[]): void => fanin.push(batch);
  if (viaHandoff) {
    const handoff = createInProcessHandoff();
    void handoff.source.start((d) => {
      for (const r of d.records) if (r.kind === 'fills') fanin.push(r.fills);
    });
    push = (batch) => {
      const first = batch[0];
      if (!first) return;
      const record: HandoffRecord = {
        kind: 'fills',
        influencerId: first.user,
        listenerId: first.source.listenerId,
        receivedAt: first.source.receivedAt,
        fills: batch,
      };
      handoff.sink.publish(record);
    };
  }
  const frame = 20;
  heapNow(); // collect setup garbage before timing
  // CPU time, not wall time: the throughput of one core even when the machine is shared.
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  // Both listeners deliver every frame; the secondary runs one frame behind. 1 ms passes per frame.
  for (let i = 0; i < fills.length; i += frame) {
    push(fills.slice(i, i + frame));
    if (i >= frame) push(secondary.slice(i - frame, i));
    clock.advance(1);
  }
  push(secondary.slice(Math.max(0, fills.length - frame)));
  clock.advance(1000);
  const cpu = process.cpuUsage(cpu0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = (performance.now() - wall0) / 1000;
  const st = fanin.stats();
  return { seconds, wallSeconds, emitted, duplicates: st.duplicates, deliveries: st.received };
}

function memory(keys: number): { compactBytes: number; compactHeap: number; mapHeap: number } {
  const idOf = (i: number): string =>
    eventId({ user: '0x' + '1'.repeat(40), coin: 'BTC', side: 'B', tid: i + 1, time: 0, px: '1', sz: '1' });
  const ids = Array.from({ length: keys }, (_, i) => idOf(i));
  const base = heapNow();
  const store = new MemoryDedupStore({ maxEntries: keys, ttlMs: 3_600_000, initialCapacity: keys });
  for (let i = 0; i < keys; i += 1000) store.claim(ids.slice(i, i + 1000), 0);
  const compactHeap = heapNow() - base;
  const compactBytes = store.memoryBytes();
  // Baseline: the naive design, a Map of the 64-hex ids (the strings are kept alive by the Map).
  // The ids are computed afresh so the Map owns its strings, as a real store would.
  ids.length = 0;
  const base2 = heapNow();
  const map = new Map<string, number>();
  for (let i = 0; i < keys; i++) map.set(idOf(i + keys), 1);
  const mapHeap = heapNow() - base2;
  if (map.size !== keys || store.size !== keys) throw new Error('memory bench did not fill the stores');
  return { compactBytes, compactHeap, mapHeap: mapHeap };
}

/** `fillsPerBlock`: fills of one user and coin per block (3 exercises the chain ordering; 1 is the common case). */
export function benchFanin(
  opts: { fills?: number; keys?: number; fillsPerBlock?: number } = {},
): FaninBenchResult {
  const n = opts.fills ?? 200_000;
  const keys = opts.keys ?? 1_000_000;
  const fills = makeFills(n, 50, 20, opts.fillsPerBlock ?? 3);
  throughput(makeFills(50_000, 50, 20, 3)); // warm-up (JIT)
  throughput(makeFills(50_000, 50, 20, 3), true);
  const t = throughput(fills);
  if (t.emitted !== n) throw new Error(`fan-in emitted ${t.emitted} of ${n}`);
  const h = throughput(fills, true);
  if (h.emitted !== n) throw new Error(`fan-in via hand-off emitted ${h.emitted} of ${n}`);
  const m = memory(keys);
  return {
    uniqueFills: n,
    deliveries: t.deliveries,
    seconds: t.seconds,
    wallSeconds: t.wallSeconds,
    uniqueFillsPerSecond: Math.round(n / t.seconds),
    viaHandoffUniqueFillsPerSecond: Math.round(n / h.seconds),
    uniqueFillsPerWallSecond: Math.round(n / t.wallSeconds),
    deliveriesPerSecond: Math.round(t.deliveries / t.seconds),
    emitted: t.emitted,
    duplicates: t.duplicates,
    dedupKeys: keys,
    compactBytesPerKey: +(m.compactBytes / keys).toFixed(1),
    compactHeapBytesPerKey: +(m.compactHeap / keys).toFixed(1),
    mapHeapBytesPerKey: +(m.mapHeap / keys).toFixed(1),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const one = benchFanin({ fillsPerBlock: 1, keys: 1000 });
  const r = benchFanin();
  console.log(
    'fan-in bench (one core, two listeners delivering every fill, dedup + ordering + serial writers)',
  );
  console.log(
    `  1 fill per user/coin/block: ${one.uniqueFillsPerSecond} unique fills/CPU-s, ${one.uniqueFillsPerWallSecond}/wall-s`,
  );
  console.log('  3 fills per user/coin/block (startPosition chain ordering):');
  console.log(`  unique fills          ${r.uniqueFills}`);
  console.log(`  deliveries (pushes)   ${r.deliveries}  (duplicates suppressed ${r.duplicates})`);
  console.log(`  CPU time              ${r.seconds.toFixed(3)} s (wall ${r.wallSeconds.toFixed(3)} s)`);
  console.log(`  unique fills/CPU-s    ${r.uniqueFillsPerSecond}`);
  console.log(
    `  via in-process hand-off ${r.viaHandoffUniqueFillsPerSecond} unique fills/CPU-s (1 fill/block: ${one.viaHandoffUniqueFillsPerSecond})`,
  );
  console.log(`  deliveries/CPU-s      ${r.deliveriesPerSecond}`);
  console.log(
    `  unique fills/wall-s   ${r.uniqueFillsPerWallSecond}  (deliveries/wall-s ${2 * r.uniqueFillsPerWallSecond})`,
  );
  console.log(`dedup memory at ${r.dedupKeys} keys`);
  console.log(`  compact LRU arrays    ${r.compactBytesPerKey} B/key (typed arrays, exact)`);
  console.log(`  compact LRU heap      ${r.compactHeapBytesPerKey} B/key (heapUsed+arrayBuffers delta)`);
  console.log(
    `  Map<hex id> baseline  ${r.mapHeapBytesPerKey} B/key (heapUsed delta incl. the id strings; no LRU links or expiry yet)`,
  );
}
