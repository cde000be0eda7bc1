/**
 * Public door of the listeners module. For now: the pure listener planner. The listener
 * implementations (user-stream, market-stream, egress pools) extend this entry.
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
} from './planner.js';
