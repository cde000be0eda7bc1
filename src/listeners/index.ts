/**
 * Public door of the listeners module: the pure listener planner, and the ListenerManager
 * that materializes a plan (user-stream and market-stream listeners on egress pools, health
 * and rotation wiring, REST backfill after outages, status for the ops page).
 */
export { planListeners, diffPlans, connectionPeers, PlannerInput } from './planner.js';
export type {
  PoolLimits,
  PlannedSubscription,
  PlannedConnection,
  ListenerAssignment,
  InfluencerAssignment,
  CapacityUse,
  PoolCapacity,
  UnplacedReason,
  Unplaced,
  PlanWarning,
  ListenerPlan,
  ListenerMove,
  PlanDiff,
  PlannerSlots,
} from './planner.js';
export { ListenerManager, userSubscription } from './manager.js';
export type {
  FillSink,
  ConnectionTuning,
  RotationTuning,
  UniverseTuning,
  ListenerManagerOptions,
  ListenerState,
  ListenerStatusView,
  InfluencerStatusView,
  ListenerManagerStatus,
  ListenerManagerEvents,
  SubscribeRetry,
  SubscribeRetryOverrides,
} from './types.js';
export { createEgressPool, proxyAgent, agentFetch } from './egress.js';
export type { EgressPoolHandle, EgressPoolConfig } from './egress.js';
export { CoinUniverse, fetchCoinUniverse } from './coin-universe.js';
export type { CoinUniverseOptions } from './coin-universe.js';
export { BackfillGate, backfillRawEvents } from './backfill.js';
export type { BackfillGateOptions } from './backfill.js';
export { MarketStreamRouter } from './market-stream.js';
export { listenerId } from './directory.js';
export { defaultSubscribeRetry, subscribeRetryWith } from './subscribe-retry.js';
export type { ListenerRef } from './directory.js';
