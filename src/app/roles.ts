/**
 * What `distributed.role` means for this process: which listener slots it plans, what /status
 * shows of its part, and which hand-off ends it must be given (roles other than `all` need the
 * Kafka adapters injected through AppOptions.handoff).
 */
import { ConfigError } from '../core/index.js';
import type { ServiceConfig } from '../config/index.js';
import type { PlannerSlots } from '../listeners/index.js';

/** This process's part, for /status and the start-up log. */
export interface ProcessPart {
  readonly role: string;
  readonly listenerGroup?: string;
}

export function partOf(config: ServiceConfig): ProcessPart {
  const d = config.distributed;
  return d.role === 'listeners' ? { role: d.role, listenerGroup: d.listenerGroup } : { role: d.role };
}

/** Group A runs primaries, group B secondaries, so an influencer's two listeners never share a process. */
export function slotsOf(config: ServiceConfig): PlannerSlots {
  const d = config.distributed;
  if (d.role === 'all') return 'both';
  return d.listenerGroup === 'A' ? 'primary' : 'secondary';
}

/** Throws a one-line config error naming `distributed.role` when the role's hand-off end is missing. */
export function checkHandoff(
  config: ServiceConfig,
  handoff: { readonly sink?: unknown; readonly source?: unknown } | undefined,
): void {
  const role = config.distributed.role;
  const missing =
    role === 'listeners' && !handoff?.sink
      ? 'sink'
      : role === 'processor' && !handoff?.source
        ? 'source'
        : null;
  if (missing === null) return;
  throw new ConfigError(
    'CONFIG_INVALID',
    `distributed.role ${role} needs the kafka hand-off (its ${missing}): 'ingest run' builds it from sinks.kafka; an embedding App must pass AppOptions.handoff, or run with --role all (INGEST_ROLE=all)`,
    { context: { setting: 'distributed.role', role } },
  );
}
