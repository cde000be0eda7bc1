/**
 * How a failed producer.send is classified. Three answers:
 *
 * - fatal: this producer instance is dead. kafkajs does not implement KIP-360, so the
 *   idempotence errors below can never heal on the same producer id: the producer must be
 *   disconnected and recreated. A non-retriable kafkajs error at the ROOT of the cause chain
 *   is treated the same way. `KafkaJSNumberOfRetriesExceeded` is itself non-retriable but only
 *   wraps the real cause; when that cause is a retriable network error (broker down), we keep
 *   the producer, so its sequence numbers let the broker drop the duplicate when the same
 *   batch is re-sent.
 * - record rejected: the broker refuses something IN the batch (too large, invalid), and will
 *   refuse it however often it is re-sent. The queue in front isolates the record. Checked
 *   before the root rule: these protocol errors are non-retriable roots too, but they say
 *   nothing about the producer id, and re-sending the same batch cannot help.
 * - anything else: transient; the same batch is re-sent.
 */

export const FATAL_PRODUCER_ERROR_TYPES: ReadonlySet<string> = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);

/**
 * Protocol errors about the records themselves. CORRUPT_MESSAGE is retriable in kafkajs (a CRC
 * failure can be a network fluke), so it only reaches us after kafkajs' own retries failed on
 * the same bytes every time.
 */
export const RECORD_REJECTED_ERROR_TYPES: ReadonlySet<string> = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TIMESTAMP',
]);

interface ErrorShape {
  readonly name?: unknown;
  readonly type?: unknown;
  readonly retriable?: unknown;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly errors?: unknown;
}

const MAX_DEPTH = 8;

/** Every error in the chain (cause / originalError / aggregate errors), outermost first. */
function chain(err: unknown, depth = 0): ErrorShape[] {
  if (depth > MAX_DEPTH || typeof err !== 'object' || err === null) return [];
  const e = err as ErrorShape;
  const out: ErrorShape[] = [e];
  const next = e.cause ?? e.originalError;
  if (next !== undefined && next !== err) out.push(...chain(next, depth + 1));
  if (Array.isArray(e.errors)) for (const inner of e.errors) out.push(...chain(inner, depth + 1));
  return out;
}

const hasType = (all: readonly ErrorShape[], types: ReadonlySet<string>): boolean =>
  all.some((e) => typeof e.type === 'string' && types.has(e.type));

export function isFatalProducerError(err: unknown): boolean {
  const all = chain(err);
  if (hasType(all, FATAL_PRODUCER_ERROR_TYPES)) return true;
  if (hasType(all, RECORD_REJECTED_ERROR_TYPES)) return false;
  const roots = all.filter((e) => (e.cause ?? e.originalError) === undefined && !Array.isArray(e.errors));
  return roots.some(
    (e) => typeof e.name === 'string' && e.name.startsWith('KafkaJS') && e.retriable === false,
  );
}

/** The broker refuses a record of the batch for good, however often it is re-sent. */
export function isRecordRejectedError(err: unknown): boolean {
  const all = chain(err);
  return !hasType(all, FATAL_PRODUCER_ERROR_TYPES) && hasType(all, RECORD_REJECTED_ERROR_TYPES);
}

/** The kafkajs protocol error type (e.g. `LEADER_NOT_AVAILABLE`) found in the chain, for logs. */
export function kafkaErrorType(err: unknown): string | undefined {
  for (const e of chain(err)) if (typeof e.type === 'string') return e.type;
  return undefined;
}
