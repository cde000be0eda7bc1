/**
 * The log lines of an applied listener plan: unplaced listeners (a few in full, then one
 * summary by reason, since one line each was 29 941 lines for 30 000 influencers) and totals.
 */
import type { Logger } from '../core/index.js';
import type { ListenerPlan } from '../listeners/index.js';

/** Unplaced listeners logged one by one before the rest are summarised. */
const UNPLACED_DETAIL_LINES = 10;

export function logPlan(log: Logger, plan: ListenerPlan): void {
  for (const u of plan.unplaced.slice(0, UNPLACED_DETAIL_LINES)) {
    log.warn(
      { influencer: u.influencerId, role: u.role, reason: u.reason },
      `listener not placed: ${u.detail}`,
    );
  }
  if (plan.unplaced.length > UNPLACED_DETAIL_LINES) {
    const byReason: Record<string, number> = {};
    for (const u of plan.unplaced) byReason[u.reason] = (byReason[u.reason] ?? 0) + 1;
    log.warn(
      { unplaced: plan.unplaced.length, byReason },
      `${plan.unplaced.length} listeners not placed in all (${UNPLACED_DETAIL_LINES} shown above)`,
    );
  }
  log.info(
    {
      connections: plan.connections.length,
      capacity: plan.capacity,
      assignments: plan.assignments.length,
      unplaced: plan.unplaced.length,
    },
    'listener plan applied',
  );
}
