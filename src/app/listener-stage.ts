/**
 * The listener stage: plans and runs this process's listeners and publishes what they receive
 * into the hand-off (HandoffSink): fills as HandoffFills (one record per user of a frame, so a
 * durable hand-off can key it by influencer) and position-feed pushes as HandoffPositions.
 * It plans only the slots of its listener group (primaries for A, secondaries for B, both in
 * role `all`) for the influencers it owns (a ListenerOwnership, or all of them), and it owns
 * the coverage of those influencers: the degraded flag their signals carry.
 */
import type { Clock, FillEvent, Logger, TimerHandle } from '../core/index.js';
import { dec, decStr, errorMessage } from '../core/index.js';
import type { ServiceConfig } from '../config/index.js';
import type { HandoffFills, HandoffSink, ListenerOwnership } from '../handoff/index.js';
import type { Influencer } from '../influencers/index.js';
import type { ListenerManagerOptions, ListenerPlan, PlannerSlots } from '../listeners/index.js';
import { ListenerManager, fetchCoinUniverse, planListeners } from '../listeners/index.js';
import { logPlan } from './plan-log.js';
import { egressPools, plannerInput } from './plan-input.js';
import { retryOverridesOf } from './retry-overrides.js';

/** Planning estimate of the coin universe when it cannot be fetched. */
const COIN_UNIVERSE_ESTIMATE = 300;

/** How often coverage (and with it the degraded flag) is re-read. */
export const COVERAGE_SAMPLE_MS = 1000;

export interface ListenerStageOptions {
  readonly config: ServiceConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly wsUrl: string;
  readonly infoUrl: string;
  readonly sink: HandoffSink;
  /** Which listener slots this process runs. */
  readonly slots: PlannerSlots;
  /** Restricts the influencers listened to; absent = all. Its onChange is the caller's to follow (applyPlan). */
  readonly ownership?: ListenerOwnership | undefined;
  /** Every influencer currently followed (the last good set). */
  readonly influencers: () => Iterable<Influencer>;
  readonly onRawEvent: ListenerManagerOptions['onRawEvent'];
  readonly onDeadLetter: ListenerManagerOptions['onDeadLetter'];
  /** Coverage of an influencer changed between dual and less (quality.degradedListener). */
  readonly onDegraded?: ((influencerId: string, degraded: boolean) => void) | undefined;
  /**
   * A `listeners` process: publish each of its listeners' health to the hand-off (a
   * `listener-state` record) on every change and at least this often, for the processor.
   */
  readonly listenerStateIntervalMs?: number | undefined;
}

export class ListenerStage {
  readonly manager: ListenerManager;
  private readonly degraded = new Map<string, boolean>();
  /** Listener id -> its last published health and when (listener-state records). */
  private readonly published = new Map<string, { healthy: boolean; state: string; at: number }>();
  private coverageTimer: TimerHandle | null = null;
  private readonly log: Logger;

  constructor(private readonly o: ListenerStageOptions) {
    const { config, clock, logger } = o;
    this.log = logger.child({ component: 'app.listeners' });
    this.manager = new ListenerManager({
      clock,
      logger,
      wsUrl: o.wsUrl,
      infoUrl: o.infoUrl,
      pools: egressPools(config),
      sink: { push: (fills) => this.publishFills(fills) },
      onRawEvent: o.onRawEvent,
      onDeadLetter: o.onDeadLetter,
      maxFutureSkewMs: config.hyperliquid.maxFutureSkewMs,
      connection: {
        maxFrameBytes: config.hyperliquid.maxFrameBytes,
        heartbeat: {
          intervalMs: config.hyperliquid.heartbeat.pingIntervalMs,
          timeoutMs: config.hyperliquid.heartbeat.pongTimeoutMs,
        },
        stall: { timeoutMs: config.hyperliquid.stallTimeoutMs },
        reconnect: {
          policy: { ...config.hyperliquid.reconnect, maxAttempts: Infinity },
        },
        subscribeRatePerSec: Math.max(
          1,
          Math.round(1000 / Math.max(1, config.hyperliquid.resubscribe.intervalMs)),
        ),
      },
      // Read at each retry: an edited record applies to the next refused subscribe.
      subscribeRetryOverrides: (user) => retryOverridesOf(o.influencers(), user),
      healthOptions: {
        lagThresholdMs: config.listeners.lagRotationThresholdMs,
        lagSustainMs: config.listeners.lagRotationSustainMs,
      },
      universe: { refreshMs: config.listeners.universeRefreshIntervalMs },
      shareFrames: o.slots === 'both',
    });
    this.manager.events.on('positions', (p) => {
      const positions: Record<string, string> = {};
      let time = 0;
      for (const [, s] of p.states) {
        time = Math.max(time, s.time);
        for (const ap of s.assetPositions) {
          const szi = dec(ap.position.szi);
          if (!szi.isZero()) positions[ap.position.coin] = decStr(szi);
        }
      }
      // Only the dexes this push covers: a main-dex push says nothing about HIP-3 markets.
      const dexes = p.states.map(([dex]) => dex);
      for (const influencerId of p.influencerIds) {
        o.sink.publish({
          kind: 'positions',
          influencerId,
          listenerId: p.listenerId,
          receivedAt: p.receivedAt,
          user: p.user,
          time: time || p.receivedAt,
          positions,
          dexes,
        });
      }
    });
  }

  /** Plans and opens the listeners; starts the coverage watch. */
  async start(): Promise<void> {
    this.coinCount = await this.coinUniverseSize();
    await this.manager.start(this.plan());
    logPlan(this.log, this.manager.currentPlan());
    if (this.o.onDegraded || this.o.listenerStateIntervalMs !== undefined) {
      this.coverageTimer = this.o.clock.setInterval(() => this.sampleCoverage(), COVERAGE_SAMPLE_MS);
    }
  }

  /** Re-plans after the influencer set (or this process's share of it) changed. */
  async applyPlan(): Promise<void> {
    await this.manager.applyPlan(this.plan());
    logPlan(this.log, this.manager.currentPlan());
  }

  /** Reads coverage now and flags influencers whose coverage crossed dual/less (tests call it). */
  sampleCoverage(): void {
    if (this.o.listenerStateIntervalMs !== undefined) this.publishStates(this.o.listenerStateIntervalMs);
    const onDegraded = this.o.onDegraded;
    if (!onDegraded) return;
    for (const inf of this.manager.status().influencers) {
      const isDegraded = inf.coverage !== 'dual';
      if (this.degraded.get(inf.influencer) !== isDegraded) {
        this.degraded.set(inf.influencer, isDegraded);
        onDegraded(inf.influencer, isDegraded);
      }
    }
  }

  forget(influencerId: string): void {
    this.degraded.delete(influencerId);
  }

  /** listener-state records: a listener whose health changed, or not re-published for `intervalMs`. */
  private publishStates(intervalMs: number): void {
    const now = this.o.clock.now();
    const seen = new Set<string>();
    for (const inf of this.manager.status().influencers) {
      for (const l of inf.listeners) {
        if (l.role !== 'primary' && l.role !== 'secondary') continue;
        seen.add(l.id);
        const state = l.degradedReason ? `${l.state} (${l.degradedReason})` : l.state;
        const last = this.published.get(l.id);
        if (last && last.healthy === l.healthy && last.state === state && now - last.at < intervalMs)
          continue;
        this.published.set(l.id, { healthy: l.healthy, state, at: now });
        this.o.sink.publish({
          kind: 'listener-state',
          influencerId: inf.influencer,
          listenerId: l.id,
          receivedAt: now,
          role: l.role,
          healthy: l.healthy,
          state,
        });
      }
    }
    for (const id of this.published.keys()) if (!seen.has(id)) this.published.delete(id);
  }

  async close(): Promise<void> {
    this.coverageTimer?.cancel();
    this.coverageTimer = null;
    await this.manager.close();
  }

  private coinCount = 1;

  private async coinUniverseSize(): Promise<number> {
    try {
      return (await fetchCoinUniverse(this.manager.infoClient())).length;
    } catch (err) {
      this.log.warn({ err }, `coin universe unavailable, planning with an estimate: ${errorMessage(err)}`);
      return COIN_UNIVERSE_ESTIMATE;
    }
  }

  private plan(): ListenerPlan {
    const owned = this.o.ownership?.owned();
    const all = [...this.o.influencers()];
    const mine = owned ? all.filter((i) => owned.has(i.id)) : all;
    const input = plannerInput(this.o.config, mine, this.coinCount, this.o.slots);
    return planListeners(input, this.manager.currentPlan());
  }

  /**
   * One record per user of the frame (a user-stream frame has one; a market-stream frame may
   * mix several), keyed by the first influencer tracking that user.
   */
  private publishFills(fills: readonly FillEvent[]): void {
    const first = fills[0];
    if (!first) return;
    let mixed = false;
    for (const f of fills) {
      if (f.user !== first.user) {
        mixed = true;
        break;
      }
    }
    if (!mixed) {
      this.o.sink.publish(this.record(fills, first));
      return;
    }
    const byUser = new Map<string, FillEvent[]>();
    for (const f of fills) {
      const list = byUser.get(f.user);
      if (list) list.push(f);
      else byUser.set(f.user, [f]);
    }
    for (const list of byUser.values()) this.o.sink.publish(this.record(list, list[0] as FillEvent));
  }

  private record(fills: readonly FillEvent[], first: FillEvent): HandoffFills {
    return {
      kind: 'fills',
      influencerId: this.manager.resolveInfluencers(first.user)[0] ?? '',
      listenerId: first.source.listenerId,
      receivedAt: first.source.receivedAt,
      fills,
    };
  }
}
