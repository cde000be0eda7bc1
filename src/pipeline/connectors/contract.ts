/**
 * The connector contract (M0 §3). A connector knows one source: it delivers raw records
 * (streaming `subscribe`, or `poll` on a schedule, or both) and turns each raw record into
 * zero or more drafts (`normalize`). Everything else — market mapping, event ids, envelope,
 * validation, dedup, partitioning, quarantine, the event log — is the pipeline's job, so a
 * connector is small and the same checks apply to every source.
 *
 * Determinism: normalize must be a pure function of the raw record (same bytes, same drafts),
 * and a raw record carries its own receipt time, so replaying recorded raw input yields
 * byte-identical envelopes and ids.
 */
import type { Clock, Logger } from '../../core/index.js';
import type { PayloadOf, PayloadType } from '../envelope/index.js';
import type { ConnectorManifest } from './manifest.js';

export interface ConnectorRateLimits {
  /** Requests (REST) per minute the source allows this connector; undefined = not limited. */
  readonly requestsPerMinute?: number;
  /** Outbound stream messages (subscribes) per minute. */
  readonly messagesPerMinute?: number;
  /** Source-specific weight budget per minute (Hyperliquid REST weight). */
  readonly weightPerMinute?: number;
}

export interface ConnectorCapabilities {
  /** Delivers through subscribe(). */
  readonly streaming: boolean;
  /** Delivers through poll(). */
  readonly polling: boolean;
  /** Typical source-to-receipt latency, for lag alerts and dashboards. */
  readonly expectedLatencyMs: number;
  readonly rateLimits: ConnectorRateLimits;
  /** Domains it produces (e.g. `crypto.perp`). */
  readonly domains: readonly string[];
  /** Native market symbols it can deliver (mapped to market ids by the manifest's table). */
  readonly markets: readonly string[];
}

/** A record exactly as the source gave it. `bytes` is what quarantine keeps. */
export interface RawRecord {
  readonly bytes: Uint8Array;
  /** When we received it (ms); becomes ingest_time_ms. Recorded input keeps its original value. */
  readonly receivedAtMs: number;
  /** Where it came from (URL, file:line); copied to source_uri when the draft sets none. */
  readonly sourceUri?: string;
  /** An upstream trace id (32 hex) to continue; otherwise one is derived from the event id. */
  readonly traceId?: string;
}

/** What normalize produces per event: payload plus the source facts the envelope needs. */
export type NormalizedDraft = {
  [T in PayloadType]: {
    readonly payloadType: T;
    readonly payload: PayloadOf<T>;
    /** The source's own market symbol; the manifest's mapping table turns it into market_id. */
    readonly nativeMarket: string;
    readonly eventTimeMs: number;
    /** A stable source id for this record (tid, fill key, signal id) when the source has one. */
    readonly nativeId?: string;
    readonly sourceSeq?: bigint;
    readonly sourceUri?: string;
    /** 0..10000. */
    readonly confidence?: number;
    /** Flags the connector already knows (e.g. PARTIAL_COVERAGE); the pipeline ORs its own. */
    readonly flags?: number;
  };
}[PayloadType];

/** Why a raw record produced no event. These reasons go to quarantine with the raw bytes. */
export const NORMALIZE_REJECTS = ['PARSE_ERROR', 'SCHEMA_INVALID', 'UNSUPPORTED_RECORD'] as const;
export type NormalizeReject = (typeof NORMALIZE_REJECTS)[number];

export type NormalizeResult =
  /** Zero drafts is fine (a heartbeat, a subscription ack). */
  | { readonly ok: true; readonly drafts: readonly NormalizedDraft[] }
  | { readonly ok: false; readonly reason: NormalizeReject; readonly detail: string };

export const CONNECTOR_STATES = ['starting', 'healthy', 'degraded', 'down', 'stopped'] as const;
export type ConnectorState = (typeof CONNECTOR_STATES)[number];

export interface ConnectorHealth {
  /** `degraded` stamps CONNECTOR_DEGRADED on every event until it recovers. */
  readonly state: ConnectorState;
  readonly detail?: string;
  readonly lastRecordAtMs: number | null;
  readonly errors: number;
}

/**
 * Where a streaming connector delivers. `push` may return a promise: the connector must await
 * it before pushing more (backpressure). Errors the connector survives are `error`-reported.
 */
export interface RawSink {
  push(raw: RawRecord): void | Promise<void>;
  error(err: unknown): void;
  /** A connector recovered what a broken stream missed (its records were pushed as usual). */
  catchUp?(report: CatchUpReport): void;
}

export interface CatchUpReport {
  /** The source channel recovered: `candle`, `trades`, … */
  readonly channel: string;
  /** Records of events recovered by this catch-up. */
  readonly recovered: number;
  /** False when the source could not give back everything the gap lost. */
  readonly complete: boolean;
}

export interface PollResult {
  readonly records: readonly RawRecord[];
  /** Opaque resume point handed to the next poll. */
  readonly cursor: string | null;
  /** No more data for now: the scheduler waits for the next tick. */
  readonly caughtUp: boolean;
}

export interface Connector {
  /** Equals the manifest name. */
  readonly id: string;
  /** Semver; equals the manifest version (the registry refuses a mismatch). */
  readonly version: string;
  readonly capabilities: ConnectorCapabilities;
  /** Streaming: deliver until `signal` aborts or the source ends; resolves then. */
  subscribe?(sink: RawSink, signal: AbortSignal): Promise<void>;
  /** Polling: one request from `cursor`. */
  poll?(cursor: string | null, signal: AbortSignal): Promise<PollResult>;
  normalize(raw: RawRecord): NormalizeResult;
  health(): ConnectorHealth;
}

/** What a factory gets to build a connector from its manifest. */
export interface ConnectorContext {
  readonly manifest: ConnectorManifest;
  /** Directory of the manifest (relative paths in `options` resolve against it). */
  readonly dir: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Builds a connector; keyed by the manifest's `kind` in a ConnectorFactories table. */
export type ConnectorFactory = (ctx: ConnectorContext) => Connector;
export type ConnectorFactories = Readonly<Record<string, ConnectorFactory>>;
