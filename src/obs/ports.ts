/**
 * What the HTTP endpoints need from the rest of the service, as narrow ports the composition
 * root implements: a status snapshot, a readiness verdict, and the logger's level. obs never
 * reaches into listeners, fan-in or sinks itself; it only renders what these return.
 */
import type { ListenerKind, ListenerRole } from '../core/index.js';
import type { CoverageClass } from './metric-names.js';
import type { CoverageSummary } from './metric-events.js';

export interface ListenerStatus {
  /** Stable listener id, e.g. `inf-42/primary`. */
  readonly id: string;
  readonly kind: ListenerKind;
  readonly role: ListenerRole;
  /** State machine state name, e.g. `live`, `connecting`, `stalled`, `down`. */
  readonly state: string;
  /** Whether fan-in currently counts this listener as healthy (drives coverage). */
  readonly healthy: boolean;
  /** Delivery lag behind block time (ms); null before the first event. */
  readonly lagMs: number | null;
  /** Local receipt time (epoch ms) of the last event; null before the first event. */
  readonly lastEventAt: number | null;
  /** Egress pool it runs on, if known. */
  readonly pool?: string;
}

export interface InfluencerStatus {
  /** Influencer id (the human name ops gave it). */
  readonly influencer: string;
  readonly address?: string;
  readonly coverage: CoverageClass;
  /** Failovers since the process started. */
  readonly failovers: number;
  readonly lastFailoverReason?: string | null;
  readonly listeners: readonly ListenerStatus[];
}

export interface StatusSnapshot {
  /** Epoch ms the snapshot was taken. */
  readonly generatedAt: number;
  readonly coverage: CoverageSummary;
  readonly influencers: readonly InfluencerStatus[];
  /** Free-form service facts shown in the page header (version, instance, egress IPs). */
  readonly service?: Readonly<Record<string, string | number | boolean>>;
  /**
   * The egress pools listeners connect through, name -> where from: the local source IP, the
   * proxy's host:port (never its credentials) or `default route`. Listener `pool` fields name them.
   */
  readonly egress?: Readonly<Record<string, string>>;
  /** Distributed mode: the Kafka hand-off adapters' own status (sink, source, ownership). */
  readonly handoff?: Readonly<Record<string, unknown>>;
}

export interface StatusProvider {
  status(): StatusSnapshot | Promise<StatusSnapshot>;
}

/** The checks /ready is made of; the app reports at least these three. */
export const READINESS_CHECKS = ['config', 'sinks', 'listeners'] as const;

export interface ReadinessCheck {
  /** `config` (loaded), `sinks` (reachable or spooling), `listeners` (up), or more. */
  readonly name: string;
  readonly ok: boolean;
  /** Why, in words an SRE can act on: "kafka unreachable, spooling disabled". */
  readonly detail?: string;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
}

export interface ReadinessProvider {
  readiness(): Readiness | Promise<Readiness>;
}

/** Ready only when every check passed and none of READINESS_CHECKS is missing. */
export function readinessFromChecks(checks: readonly ReadinessCheck[]): Readiness {
  const missing = READINESS_CHECKS.filter((name) => !checks.some((c) => c.name === name)).map(
    (name): ReadinessCheck => ({ name, ok: false, detail: 'not reported' }),
  );
  const all = [...checks, ...missing];
  return { ready: all.every((c) => c.ok), checks: all };
}

/** pino levels an operator may set at runtime. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A pino logger satisfies this as is: reading and assigning `level`. */
/** A reprocess request (POST /reprocess): a window of received time, ms UTC, half-open. */
export interface ReprocessRequest {
  readonly from: number;
  readonly to: number;
  readonly stage: string;
}

/** Rebuilds a stage from the one below it; resolves with a JSON-able summary. Throws on a bad request. */
export interface ReprocessControl {
  /** Stages it can rebuild, e.g. ['silver']. */
  readonly stages: readonly string[];
  reprocess(req: ReprocessRequest): Promise<unknown>;
}

export interface LogLevelControl {
  level: string;
}

export function isLogLevel(v: unknown): v is LogLevel {
  return typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v);
}

/** What /connectors shows: the pipeline's connector registry with run state, health and version. */
export interface ConnectorsProvider {
  connectors(): readonly object[] | Promise<readonly object[]>;
}
