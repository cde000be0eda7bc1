/**
 * Public door of listener failover: per-listener health (states, lead/lag, degraded reasons),
 * the delivery tracker that notices which listener missed a fill, and the coordinator that
 * rotates connections one at a time. Depends only on core, so the fan-in can feed it.
 */
export { DeliveryTracker, defaultIsExpectedFrom } from './delivery-tracker.js';
export type {
  ExpectedListener,
  CopyObservation,
  MissObservation,
  DeliveryObserver,
} from './delivery-tracker.js';
export { ListenerHealth, HEALTH_STATES } from './health.js';
export type {
  ListenerHealthOptions,
  PairSpec,
  ListenerHealthStatus,
  HealthEvents,
  HealthState,
} from './health.js';
export { RotationCoordinator, plannedRotationTimes } from './rotation.js';
export type {
  RotationCoordinatorOptions,
  RotationPermit,
  RotationEvents,
  RotationUnit,
  PlannedRotationOptions,
} from './rotation.js';
