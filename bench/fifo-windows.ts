/**
 * Benchmark: oldest-first windows, FifoSet / FifoMap (src/core/fifo-map.ts) side by side with
 * the plain Set / Map they replaced, in the two shapes the service runs:
 *  - the reference consumer's dedupe window at its default 100 000 signal ids, past the bound,
 *    where every new id evicts the oldest;
 *  - the fan-in's delivery tracker in a processor process: every first arrival tracked until
 *    its grace ends (17 000 live at 3 500 fills/s and 5 s), swept by age every 100 ms, with the
 *    oldest read per fill to arm the next sweep.
 * A plain Map keeps a deleted entry's slot as a hole until it rehashes, and finding its oldest
 * walks the holes at the front: that is what the peer rows pay.
 * Run: `npx tsx bench/fifo-windows.ts`.
 */
import { performance } from 'node:perf_hooks';
import { DedupeWindow } from '../src/consumer/index.js';
import { FifoMap } from '../src/core/index.js';

export interface FifoWindowsResult {
  /** ns per signal id, window full. */
  readonly dedupeFifoNs: number;
  readonly dedupeSetNs: number;
  readonly window: number;
  /** ns per fill: track, read the oldest, sweep by age. */
  readonly trackerFifoNs: number;
  readonly trackerMapNs: number;
  readonly tracked: number;
}

/** The window as it was: an insertion-ordered Set, oldest found by iterating it. */
class SetWindow {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (oldest.done !== true) this.ids.delete(oldest.value);
    }
  }
}

const signalId = (i: number): string => `sig-${i.toString(16).padStart(56, '0')}`;

function dedupe(w: { has(id: string): boolean; add(id: string): void }, window: number, n: number): number {
  for (let i = 0; i < window; i++) w.add(signalId(i)); // fill it: the cost is past the bound
  const t0 = performance.now();
  let dup = 0;
  for (let i = window; i < window + n; i++) {
    const id = signalId(i);
    if (w.has(id)) dup++;
    else w.add(id);
  }
  const ns = ((performance.now() - t0) * 1e6) / n;
  if (dup !== 0) throw new Error(`dedupe bench: ${dup} fresh ids reported as duplicates`);
  return ns;
}

interface AgeMap<V> {
  set(k: string, v: V): unknown;
  delete(k: string): boolean;
}

function tracker(
  m: AgeMap<{ at: number }>,
  oldest: () => [string, { at: number }] | undefined,
  live: number,
  n: number,
): number {
  const sweepEvery = Math.max(1, Math.round(live / 50)); // 100 ms of a 5 s grace
  let armed = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    m.set(signalId(i), { at: i });
    if (i % sweepEvery === 0) {
      for (let o = oldest(); o !== undefined && o[1].at + live <= i; o = oldest()) m.delete(o[0]);
    }
    const next = oldest();
    if (next !== undefined) armed += next[1].at & 1;
  }
  const ns = ((performance.now() - t0) * 1e6) / n;
  if (armed < 0) throw new Error('unreachable');
  return ns;
}

function measure(window: number, tracked: number, n: number): FifoWindowsResult {
  const fifo = new FifoMap<string, { at: number }>();
  const map = new Map<string, { at: number }>();
  return {
    window,
    tracked,
    dedupeFifoNs: dedupe(new DedupeWindow(window), window, n),
    dedupeSetNs: dedupe(new SetWindow(window), window, n),
    trackerFifoNs: tracker(
      fifo,
      () => {
        const k = fifo.oldestKey();
        return k === undefined ? undefined : [k, fifo.get(k) as { at: number }];
      },
      tracked,
      n,
    ),
    trackerMapNs: tracker(
      map,
      () => {
        const e = map.entries().next();
        return e.done ? undefined : e.value;
      },
      tracked,
      n,
    ),
  };
}

/**
 * `n` operations past the bound per row: a plain Set's holes build up until it rehashes, every
 * ~1.3 x window evictions, so a short run would flatter it. The peers take most of the time.
 */
export function runFifoWindowsBench(o: { n?: number } = {}): FifoWindowsResult {
  measure(1_000, 1_000, 20_000); // JIT warm-up on small windows
  return measure(100_000, 17_000, o.n ?? 300_000);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = runFifoWindowsBench();
  console.log(
    `dedupe window of ${r.window}, full: FifoSet ${r.dedupeFifoNs.toFixed(0)} ns/id, Set ${r.dedupeSetNs.toFixed(0)} ns/id`,
  );
  console.log(
    `delivery tracker, ${r.tracked} live, swept by age: FifoMap ${r.trackerFifoNs.toFixed(0)} ns/fill, Map ${r.trackerMapNs.toFixed(0)} ns/fill`,
  );
}
