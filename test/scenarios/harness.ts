/**
 * Scenario harness: the simulator, a ListenerManager on one or two egress pools (loopback
 * aliases 127.0.0.1 / 127.0.0.2 act as two client IPs) and a real FanIn with a memory dedup
 * store, all on one clock. The clock may be *scaled* (k simulated ms per real ms) so a 30 s
 * outage takes 30/k real seconds. `verify()` compares what the FanIn emitted with the
 * simulator's ground truth: zero lost, zero duplicated, per-(influencer, market) order (block
 * time, then the startPosition chain; a self-trade pair is one net-zero step).
 */
import { expect } from 'vitest';
import type { Clock, FillEvent, TimerHandle, dec } from '../../src/core/index.js';
import { AbortedError, decStr, silentLogger } from '../../src/core/index.js';
import type { FanInBatch } from '../../src/fanin/index.js';
import { FanIn, MemoryDedupStore } from '../../src/fanin/index.js';
import type {
  ConnectionTuning,
  ListenerManagerEvents,
  ListenerManagerOptions,
  ListenerPlan,
  PlannerInput,
  RotationTuning,
} from '../../src/listeners/index.js';
import { ListenerManager, planListeners } from '../../src/listeners/index.js';
import { FaninConfig } from '../../src/config/index.js';
import type { ListenerHealthOptions } from '../../src/listeners/failover/index.js';
import type { Simulator, SimulatorOptions } from '../../src/sim/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { truthEventId } from '../kit/index.js';

/** `k` simulated ms pass per real ms; timers are shortened by k. */
export function scaledClock(k: number): Clock {
  const t0 = Date.now();
  const now = (): number => t0 + Math.round((Date.now() - t0) * k);
  const real = (ms: number): number => Math.max(0, ms / k);
  return {
    now,
    setTimeout(fn, ms): TimerHandle {
      const t = setTimeout(fn, real(ms));
      return { cancel: () => clearTimeout(t) };
    },
    setInterval(fn, ms): TimerHandle {
      const t = setInterval(fn, Math.max(1, real(ms)));
      return { cancel: () => clearInterval(t) };
    },
    sleep(ms, signal): Promise<void> {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(new AbortedError());
        const t = setTimeout(resolve, real(ms)); // not synchronisation: the scaled clock's own sleep
        signal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(new AbortedError());
        });
      });
    },
  };
}

export interface StackOptions {
  readonly scale?: number;
  readonly sim?: SimulatorOptions;
  /** Number of influencers (one per sim account). Default: every sim account. */
  readonly influencers?: number;
  readonly kinds?: { primary?: 'user-stream' | 'market-stream'; secondary?: 'user-stream' | 'market-stream' };
  /** Two pools on 127.0.0.1 / 127.0.0.2 (default) or one on 127.0.0.1. */
  readonly pools?: 1 | 2;
  readonly poolUsers?: number;
  readonly connection?: ConnectionTuning;
  readonly subscribeRetryOverrides?: ListenerManagerOptions['subscribeRetryOverrides'];
  readonly rotation?: RotationTuning;
  readonly health?: Omit<ListenerHealthOptions, 'clock' | 'logger' | 'requestReconnect'>;
  readonly reorderWindowMs?: number;
  /** FanIn latency-first hold on gap evidence (default: the schema's). */
  readonly gapHoldMs?: number;
  /** FanIn: how long a listener may lag its peer on a fill before it counts as missed. */
  readonly missGraceMs?: number;
  readonly extraCoins?: readonly string[];
  /** Where the listeners' dead letters go (default: dropped). */
  readonly onDeadLetter?: ListenerManagerOptions['onDeadLetter'];
}

export interface Stack {
  readonly sim: Simulator;
  readonly clock: Clock;
  readonly manager: ListenerManager;
  readonly fanIn: FanIn;
  readonly plan: ListenerPlan;
  readonly batches: FanInBatch[];
  readonly events: { [K in keyof ListenerManagerEvents]?: ListenerManagerEvents[K][] };
  readonly influencerOf: Map<string, string>;
  /** Let the market trade `n` more blocks (resolves once the simulator has produced them). */
  blocks(n: number): Promise<void>;
  until(pred: () => boolean, simMs: number, what: string | (() => string)): Promise<void>;
  /**
   * Pause trading, wait until the fan-in has emitted every fill of the ground truth (as
   * `verify` counts them, with the same `tapeOnly`), then flush it.
   */
  settle(tapeOnly?: ReadonlySet<string>): Promise<void>;
  close(): Promise<void>;
}

export const IPS = ['127.0.0.1', '127.0.0.2'] as const;
const FANIN_DEFAULTS = FaninConfig.parse({});

export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const k = o.scale ?? 1;
  const clock = k === 1 ? undefined : scaledClock(k);
  const realClock: Clock = clock ?? (await import('../../src/core/index.js')).systemClock;
  const sim = await startSimulator(
    { tickMs: 50, accounts: 3, eventsPerBlock: 3, ...o.sim, paused: true },
    { clock: realClock },
  );
  const n = o.influencers ?? sim.accounts.length;
  const poolCount = o.pools ?? 2;
  const pools = IPS.slice(0, poolCount).map((ip, i) => ({
    name: `pool${i}`,
    localAddress: ip,
    limits: { maxUsers: o.poolUsers ?? 10 },
  }));
  const influencerOf = new Map<string, string>();
  const input: PlannerInput = {
    influencers: sim.accounts.slice(0, n).map((address, i) => {
      influencerOf.set(address, `inf-${i}`);
      return {
        id: `inf-${i}`,
        address,
        priority: 1000 - i,
        enabled: true,
        ...(o.kinds ? { kinds: o.kinds } : {}),
      };
    }),
    pools: pools.map((p) => ({
      name: p.name,
      limits: { users: o.poolUsers ?? 10, connections: 10, subscriptions: 1000 },
    })),
    coinUniverse: 8,
  };
  const plan = planListeners(input);
  const batches: FanInBatch[] = [];
  const events: Stack['events'] = {};
  let fanInRef: FanIn | null = null;
  const manager = new ListenerManager({
    clock: realClock,
    logger: silentLogger,
    wsUrl: sim.wsUrl,
    infoUrl: sim.infoUrl,
    pools,
    sink: { push: (f: readonly FillEvent[]) => fanInRef?.push(f) },
    connection: {
      heartbeat: { intervalMs: 500, timeoutMs: 500 },
      stall: { timeoutMs: 5000 },
      reconnect: {
        policy: { initialDelayMs: 50, maxDelayMs: 1000, factor: 2, maxAttempts: Infinity, jitter: 0.2 },
        expiredDelayMs: 50,
      },
      subscribeRatePerSec: 200,
      ...o.connection,
    },
    ...(o.subscribeRetryOverrides ? { subscribeRetryOverrides: o.subscribeRetryOverrides } : {}),
    ...(o.onDeadLetter ? { onDeadLetter: o.onDeadLetter } : {}),
    rotationTuning: { maxAgeMs: 0, replacementTimeoutMs: 5000, ...o.rotation },
    healthOptions: { evaluateEveryMs: 200 * k, reconnectCooldownMs: 2000, staleAfterMs: 10_000, ...o.health },
    universe: { refreshMs: 0, extraCoins: o.extraCoins ?? ['#118440'], includeSpot: true },
    reportEveryMs: 100 * k,
  });
  const fanIn = new FanIn({
    clock: realClock,
    logger: silentLogger,
    dedup: new MemoryDedupStore({ maxEntries: 1_000_000, ttlMs: 3_600_000 }),
    resolveInfluencers: manager.resolveInfluencers,
    deliver: (b) => void batches.push(b),
    // The service's defaults (latency-first) unless a scenario asks for a window.
    reorderWindowMs: o.reorderWindowMs ?? FANIN_DEFAULTS.reorderWindowMs,
    gapHoldMs: o.gapHoldMs ?? FANIN_DEFAULTS.gapHoldMs,
    ...(o.missGraceMs === undefined ? {} : { missGraceMs: o.missGraceMs }),
    observer: manager.health,
    expectedListeners: (id) => manager.health.expectedListeners(id),
    isListenerLive: (id) => manager.health.isLive(id),
  });
  fanInRef = fanIn;
  for (const name of [
    'connectionOpened',
    'connectionClosed',
    'reconnect',
    'listenerState',
    'failover',
    'rotation',
    'backfill',
    'backfillFailed',
    'error',
    'positions',
    'marketStreamTracked',
    'subscribeRetry',
  ] as const) {
    manager.events.on(name, (e) => {
      const list = (events[name] ??= []) as unknown[];
      list.push(e);
    });
  }
  const until = async (pred: () => boolean, simMs: number, what: string | (() => string)): Promise<void> => {
    const end = realClock.now() + simMs;
    while (!pred()) {
      if (realClock.now() > end)
        throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
      await new Promise((r) => setTimeout(r, 5)); // not synchronisation: the poll step of a condition wait
    }
  };
  await manager.start(plan);
  await until(
    () => manager.status().influencers.every((i) => i.coverage === 'dual'),
    10_000 * k,
    'every influencer covered by two listeners',
  );
  // Trading starts once every listener is subscribed: the trades feed has no snapshot.
  if (o.sim?.paused !== true) sim.resume();
  const stack: Stack = {
    sim,
    clock: realClock,
    manager,
    fanIn,
    plan,
    batches,
    events,
    influencerOf,
    until,
    async blocks(n) {
      const target = sim.blockHeight() + n;
      await until(() => sim.blockHeight() >= target, n * (o.sim?.tickMs ?? 50) + 10_000, `${n} blocks`);
    },
    async settle(tapeOnly) {
      sim.pause();
      let v = verify(stack, sim.accounts, tapeOnly);
      await until(
        () => (v = verify(stack, sim.accounts, tapeOnly)).lost.length === 0,
        Math.max(30_000, 10_000 * k),
        'every fill to reach the fan-in',
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; still missing ${v.lost.length}: ${v.lost.slice(0, 5).join('; ')}`);
      });
      await fanIn.flush();
    },
    async close() {
      await manager.close();
      await fanIn.close();
      await sim.close();
    },
  };
  return stack;
}

export interface Verdict {
  readonly expected: number;
  readonly emitted: number;
  readonly lost: string[];
  readonly duplicated: string[];
  readonly unexpected: string[];
  readonly orderViolations: string[];
}

/**
 * Compares the fan-in output for `users` with ground truth. For market-stream-only accounts
 * (`tapeOnly`) the truth is the fills that appear on the trades tape of a subscribed coin.
 */
export function verify(
  stack: Stack,
  users: readonly string[],
  tapeOnly: ReadonlySet<string> = new Set(),
): Verdict {
  const emitted = new Map<string, FillEvent[]>(); // influencer|coin -> fills
  const seen = new Map<string, number>();
  for (const b of stack.batches) {
    const key = `${b.influencerId}|${b.coin}`;
    const list = emitted.get(key) ?? [];
    list.push(...b.fills);
    emitted.set(key, list);
    for (const f of b.fills)
      seen.set(`${b.influencerId}|${f.eventId}`, (seen.get(`${b.influencerId}|${f.eventId}`) ?? 0) + 1);
  }
  const coins = new Set(stack.manager.coins());
  const lost: string[] = [];
  const expectedIds = new Set<string>();
  let expected = 0;
  for (const user of users) {
    const inf = stack.influencerOf.get(user) ?? '?';
    const tape = tapeOnly.has(user)
      ? new Set(
          stack.sim.groundTruth
            .trades()
            .filter((t) => coins.has(t.coin))
            .map((t) => `${t.coin}|${t.tid}`),
        )
      : null;
    for (const f of stack.sim.groundTruth.fills(user)) {
      if (tape && !tape.has(`${f.coin}|${f.tid}`)) continue;
      const id = truthEventId(user, f);
      expected++;
      expectedIds.add(`${inf}|${id}`);
      if (!seen.has(`${inf}|${id}`)) lost.push(`${inf} ${f.coin} t=${f.time} tid=${f.tid}`);
    }
  }
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  const unexpected = [...seen.keys()].filter((k) => !expectedIds.has(k));
  const orderViolations: string[] = [];
  for (const [key, fills] of emitted) {
    let prev: FillEvent | null = null;
    let pos: ReturnType<typeof dec> | null = null;
    for (const f of fills) {
      if (prev && f.time < prev.time) orderViolations.push(`${key}: block ${f.time} after ${prev.time}`);
      if (f.startPosition !== null) {
        const end = f.side === 'B' ? f.startPosition.plus(f.sz) : f.startPosition.minus(f.sz);
        const selfPair =
          prev !== null &&
          prev.time === f.time &&
          prev.startPosition !== null &&
          prev.startPosition.eq(f.startPosition) &&
          prev.side !== f.side &&
          prev.sz.eq(f.sz);
        if (pos !== null && !f.startPosition.eq(pos) && !selfPair) {
          orderViolations.push(
            `${key}: t=${f.time} starts at ${decStr(f.startPosition)}, expected ${decStr(pos)}`,
          );
        }
        pos = selfPair && prev?.startPosition ? prev.startPosition : end;
      }
      prev = f;
    }
  }
  return { expected, emitted: seen.size, lost, duplicated, unexpected, orderViolations };
}

/** Every fill emitted exactly once, in order, nothing unexpected (and at least `minExpected` fills). */
export function expectExact(v: Verdict, minExpected?: number): void {
  if (minExpected !== undefined) expect(v.expected).toBeGreaterThan(minExpected);
  expect(v.lost).toEqual([]);
  expect(v.duplicated).toEqual([]);
  expect(v.unexpected).toEqual([]);
  expect(v.orderViolations).toEqual([]);
}
