/**
 * Influencers + config -> planner input, and config egress pools -> the listener layer's pool
 * settings. Kept pure so live re-planning and tests use exactly the mapping the service does.
 */
import type { ListenerKind } from '../core/index.js';
import type { ServiceConfig } from '../config/index.js';
import type { Influencer } from '../influencers/index.js';
import type { EgressPoolConfig, PlannerInput, PlannerSlots } from '../listeners/index.js';

type Kinds = { primary?: ListenerKind; secondary?: ListenerKind } | undefined;

/** A single allowed kind (per influencer, else global) pins both listeners to it. */
function kindsOverride(own: readonly ListenerKind[] | undefined, global: readonly ListenerKind[]): Kinds {
  const allowed = own ?? global;
  if (allowed.length === 1 && allowed[0] !== undefined) return { primary: allowed[0], secondary: allowed[0] };
  return undefined;
}

/** The documented per-IP limits (docs/hyperliquid-protocol.md §5.1); config always fills them, this guards the type. */
const DOC = {
  users: 10,
  connections: 10,
  newConnectionsPerMinute: 30,
  subscriptions: 1000,
  messagesPerMinute: 2000,
  infoWeightPerMinute: 1200,
} as const;

type LimitKey = keyof typeof DOC;
type Limits = { readonly [K in LimitKey]?: number | undefined };

function limit(pool: Limits, base: Limits, key: LimitKey): number {
  return pool[key] ?? base[key] ?? DOC[key];
}

export function plannerInput(
  config: ServiceConfig,
  influencers: readonly Influencer[],
  coinUniverse: number,
  slots: PlannerSlots,
): PlannerInput {
  const base = config.hyperliquid.limits;
  return {
    influencers: influencers.map((i) => {
      const kinds = kindsOverride(i.listeners.kinds, config.listeners.kinds);
      return {
        id: i.id,
        address: i.address,
        priority: i.priority,
        enabled: i.enabled,
        ...(kinds === undefined ? {} : { kinds }),
      };
    }),
    pools: config.hyperliquid.egressPools.map((p) => ({
      name: p.name,
      limits: {
        users: limit(p.limits, base, 'users'),
        connections: limit(p.limits, base, 'connections'),
        subscriptions: limit(p.limits, base, 'subscriptions'),
      },
    })),
    coinUniverse: Math.max(1, coinUniverse),
    options: { slots },
  };
}

export function egressPools(config: ServiceConfig): EgressPoolConfig[] {
  const base = config.hyperliquid.limits;
  return config.hyperliquid.egressPools.map((p) => ({
    name: p.name,
    ...(p.proxyUrl === undefined ? {} : { proxyUrl: p.proxyUrl }),
    ...(p.localAddress === undefined ? {} : { localAddress: p.localAddress }),
    limits: {
      maxUsers: limit(p.limits, base, 'users'),
      maxConnections: limit(p.limits, base, 'connections'),
      maxNewConnectionsPerWindow: limit(p.limits, base, 'newConnectionsPerMinute'),
      maxSubscriptions: limit(p.limits, base, 'subscriptions'),
      maxMessagesPerWindow: limit(p.limits, base, 'messagesPerMinute'),
    },
    infoWeightPerMinute: limit(p.limits, base, 'infoWeightPerMinute'),
  }));
}
