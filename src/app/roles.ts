/**
 * What `distributed.role` means for this process: which listener slots it plans, what /status
 * shows of its part, and which hand-off ends it must be given (roles other than `all` need the
 * Kafka adapters injected through AppOptions.handoff).
 */
import { hostname, networkInterfaces } from 'node:os';
import { ConfigError } from '../core/index.js';
import type { ServiceConfig } from '../config/index.js';
import type { MemberAdvert } from '../handoff/index.js';
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

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/** This host's first non-internal IPv4 address, else its host name (what a peer can dial). */
function reachableHost(): string {
  for (const addrs of Object.values(networkInterfaces()))
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return hostname();
}

/**
 * What this process advertises to its consumer group (MemberAdvert): `distributed.advertiseUrl`
 * when set, else the ops server's own URL; a server bound to every interface is reported at
 * this host's first non-loopback address, since 127.0.0.1 means nothing to another host.
 */
export function memberAdvert(config: ServiceConfig, serverUrl: string): MemberAdvert {
  const d = config.distributed;
  let opsUrl = d.advertiseUrl ?? serverUrl;
  if (d.advertiseUrl === undefined && WILDCARD.has(config.http.host)) {
    const u = new URL(serverUrl);
    u.hostname = reachableHost();
    opsUrl = u.origin;
  }
  return {
    opsUrl: opsUrl.replace(/\/+$/, ''),
    role: d.role,
    ...(d.role === 'listeners' ? { listenerGroup: d.listenerGroup } : {}),
    host: hostname(),
    pid: process.pid,
  };
}
