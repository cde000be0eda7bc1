/**
 * The one error hierarchy. Every error we throw on purpose is an IngestError with a stable
 * `code` (documented in ERROR_CODES, checked by test/core/errors.test.ts), a `retriable`
 * flag the retry helper obeys, optional context fields and, when wrapping, a `cause`.
 */

/** Every code, with the sentence an operator reads in logs. Keep codes stable: dashboards match on them. */
export const ERROR_CODES = {
  INTERNAL: 'A programming error: an invariant did not hold.',
  VALIDATION: 'Input did not match its schema; the message names the field.',
  CONFIG_INVALID: 'A configuration file, environment variable or Redis record is invalid.',
  CONFIG_NOT_FOUND: 'A configuration file or record that was named does not exist.',
  RETRIES_EXHAUSTED: 'An operation kept failing after every attempt the retry policy allowed.',
  ABORTED: 'The operation was cancelled, usually by shutdown.',
  TIMEOUT: 'The operation did not complete within its deadline.',
  SOURCE_CONNECTION: 'A WebSocket connection to Hyperliquid failed or was closed.',
  SOURCE_SUBSCRIBE: 'The server refused or never acknowledged a subscription.',
  SOURCE_SERVER_ERROR: 'The server sent an error frame we could not attribute to a request.',
  SOURCE_USER_CAP: 'The per-IP unique-user cap refused a user-specific subscription.',
  SOURCE_SUBSCRIPTION_CAP: 'The per-IP subscription cap was reached.',
  SOURCE_MESSAGE_RATE: 'The per-IP outbound message budget per minute was exhausted.',
  SOURCE_CONNECTION_CAP: 'The per-IP connection cap or new-connections-per-minute budget was reached.',
  INFO_HTTP: 'The info API answered with an HTTP error.',
  EVM_RPC: 'An EVM JSON-RPC call failed, timed out or answered an error.',
  EVM_REORG_TOO_DEEP:
    'A reorg went deeper than the follower keeps hashes for (maxReorgDepth): no common ancestor found.',
  INFO_RATE_LIMITED: 'The info API answered 429 or the local weight budget is exhausted.',
  INFO_BAD_RESPONSE: 'The info API answered with a body that did not match its schema.',
  STATE_ILLEGAL_TRANSITION: 'A state machine was asked for a move its transition table forbids.',
  SINK_UNAVAILABLE: 'A sink (Kafka, ClickHouse, local file) is unreachable.',
  SINK_WRITE: 'A sink rejected a write.',
  SINK_FATAL_PRODUCER: 'The Kafka producer hit a non-retriable idempotence error and must be recreated.',
  SINK_CONFIG: "A sink refuses the service's settings (e.g. a topic Kafka won't create): fix them.",
  SINK_RECORD_REJECTED: 'A sink refuses a record for good (too large, malformed): it is dead-lettered.',
  SPOOL_CORRUPT: 'A spool file on disk has a damaged record.',
  SPOOL_LOCKED: 'The spool directory is held by another live instance of the service.',
  SPOOL_DIR_UNUSABLE: 'The spool directory cannot be created or written (permissions, read-only).',
  REDIS_UNAVAILABLE: 'Redis is unreachable.',
  CLI_USAGE: 'The command line was not understood.',
  CONFLICT: 'A change clashes with stored data: a duplicate id or address, or a concurrent edit.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface IngestErrorOptions {
  readonly cause?: unknown;
  readonly retriable?: boolean;
  readonly context?: Readonly<Record<string, unknown>>;
}

export class IngestError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: IngestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.context = Object.freeze({ ...options.context });
  }
}

/** Bugs: never retried, always loud. */
export class InternalError extends IngestError {
  constructor(message: string, options: IngestErrorOptions = {}) {
    super('INTERNAL', message, { ...options, retriable: false });
  }
}

/** Schema failures at a boundary. `issues` is the zod path + message list, already human-readable. */
export class ValidationError extends IngestError {
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[], options: IngestErrorOptions = {}) {
    super('VALIDATION', message, { ...options, retriable: false });
    this.issues = issues;
  }
}

export class ConfigError extends IngestError {}
export class SourceError extends IngestError {}
export class SinkError extends IngestError {}
export class StateError extends IngestError {}
export class BudgetError extends IngestError {
  constructor(code: ErrorCode, message: string, options: IngestErrorOptions = {}) {
    super(code, message, options);
  }
}

export class RetriesExhaustedError extends IngestError {
  readonly attempts: number;
  constructor(attempts: number, cause: unknown, label: string) {
    super('RETRIES_EXHAUSTED', `${label}: gave up after ${attempts} attempts: ${errorMessage(cause)}`, {
      cause,
      retriable: false,
      context: { attempts, label },
    });
    this.attempts = attempts;
  }
}

export class AbortedError extends IngestError {
  constructor(message = 'aborted', options: IngestErrorOptions = {}) {
    super('ABORTED', message, { ...options, retriable: false });
  }
}

export class TimeoutError extends IngestError {
  constructor(message: string, options: IngestErrorOptions = {}) {
    super('TIMEOUT', message, { retriable: true, ...options });
  }
}

export function isIngestError(e: unknown): e is IngestError {
  return e instanceof IngestError;
}

/** A message for any thrown value: we do not trust that what was thrown is an Error. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
