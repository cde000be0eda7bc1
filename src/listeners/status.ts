/**
 * The ops status snapshot: per influencer its two listeners (stable id, kind, current role,
 * connection, state, lag, last event time) and coverage — dual (two healthy listeners),
 * single, or dark — plus connections, per-pool budget use and the coin universe size.
 * Pure: assembled from the directory, ListenerHealth and the managed connections.
 */
import type { ListenerRole } from '../core/index.js';
import { coverageOf } from '../obs/index.js';
import type { ListenerHealth, ListenerHealthStatus } from './failover/index.js';
import type { ListenerDirectory, ListenerRef } from './directory.js';
import type { EgressPoolHandle } from './egress.js';
import type { ManagedConnection } from './managed-connection.js';
import type { ListenerPlan } from './planner.js';
import type {
  InfluencerStatusView,
  ListenerManagerStatus,
  ListenerState,
  ListenerStatusView,
} from './types.js';

export interface StatusInputs {
  readonly now: number;
  readonly plan: ListenerPlan;
  readonly directory: ListenerDirectory;
  readonly health: ListenerHealth;
  readonly connections: ReadonlyMap<string, ManagedConnection>;
  readonly pools: ReadonlyMap<string, EgressPoolHandle>;
  readonly stateOf: (listenerId: string) => ListenerState;
  readonly failovers: ReadonlyMap<string, { count: number; lastReason: string | null }>;
  readonly coins: number;
}

function listenerView(
  ref: ListenerRef,
  h: ListenerHealthStatus | undefined,
  mc: ManagedConnection | undefined,
  state: ListenerState,
): ListenerStatusView {
  const samples = (h?.firstDeliveries ?? 0) + (h?.laterDeliveries ?? 0);
  return {
    id: ref.id,
    kind: ref.kind,
    role: h?.role ?? (ref.slot satisfies ListenerRole),
    connectionId: ref.connectionId,
    pool: ref.pool,
    state,
    healthy: state === 'subscribed',
    lagMs: h && samples > 0 ? Math.max(0, Math.round(-h.leadEwmaMs)) : null,
    lastEventAt: mc?.lastFrameAt ?? null,
    degradedReason: h?.degraded ?? null,
  };
}

export function buildStatus(i: StatusInputs): ListenerManagerStatus {
  const health = new Map(i.health.status().map((s) => [s.listenerId, s]));
  const influencers: InfluencerStatusView[] = i.plan.assignments.map((a) => {
    const listeners = (['primary', 'secondary'] as const)
      .map((slot) => i.directory.get(`${a.influencerId}/${slot}`))
      .filter((r): r is ListenerRef => r !== undefined)
      .map((r) => listenerView(r, health.get(r.id), i.connections.get(r.connectionId), i.stateOf(r.id)));
    const f = i.failovers.get(a.influencerId);
    return {
      influencer: a.influencerId,
      address: a.address.toLowerCase(),
      coverage: coverageOf(listeners.filter((l) => l.healthy).length),
      failovers: f?.count ?? 0,
      lastFailoverReason: f?.lastReason ?? null,
      listeners,
    };
  });
  return {
    generatedAt: i.now,
    influencers,
    connections: [...i.connections.values()].map((mc) => ({
      id: mc.id,
      pool: mc.pool.name,
      kind: mc.kind,
      state: mc.state,
      socketId: mc.socketId,
      subscriptions: mc.desiredSubscriptions().length,
      activeSubscriptions: mc.activeKeys().size,
      listeners: i.directory.listenersOfConnection(mc.id).length,
    })),
    pools: [...i.pools.values()].map((p) => ({
      pool: p.name,
      usage: p.budget.usage(),
      infoWeightUsed: p.info.weightBudget.used(),
    })),
    coins: i.coins,
  };
}
