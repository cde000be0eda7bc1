/**
 * The one retry helper. Policy is data (injected, so tests pass a fast one); the helper owns
 * backoff with full jitter, the cap, the attempt limit and the bail path. Programming errors
 * (InternalError, TypeError, ValidationError) are never retried: retrying a bug only hides it.
 */
import {
  AbortedError,
  InternalError,
  RetriesExhaustedError,
  ValidationError,
  isIngestError,
} from './errors.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

export interface RetryPolicy {
  /** First delay in ms. */
  readonly initialDelayMs: number;
  /** Upper bound for a single delay in ms. */
  readonly maxDelayMs: number;
  /** Growth per attempt. */
  readonly factor: number;
  /** Total attempts including the first; Infinity retries forever (listeners do). */
  readonly maxAttempts: number;
  /** 0 = no jitter, 1 = full jitter (delay uniformly in [0, d]). */
  readonly jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  factor: 2,
  maxAttempts: 8,
  jitter: 0.5,
});

/** The delay before attempt `attempt + 1` (attempt counts from 1). Pure, given `random`. */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1));
  const jitterPart = base * policy.jitter * random();
  return Math.max(0, Math.round(base - jitterPart));
}

export interface RetryContext {
  readonly attempt: number;
  /** Stop retrying and rethrow `error` as-is. */
  bail(error: unknown): never;
}

export interface RetryOptions {
  readonly policy?: RetryPolicy;
  readonly label?: string;
  readonly signal?: AbortSignal;
  readonly clock?: Pick<Clock, 'sleep'>;
  /** Extra say on whether an error is worth another try; defaults to isRetriable. */
  readonly shouldRetry?: (error: unknown) => boolean;
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /**
   * For work that must not be given up (a record that would otherwise be lost): past
   * policy.maxAttempts, call this on every further failure (to report a stall) and keep trying
   * every maxDelayMs until it succeeds, shouldRetry says no, or the signal aborts, instead of
   * throwing RetriesExhaustedError.
   */
  readonly onExhausted?: (info: { attempt: number; error: unknown }) => void;
  readonly random?: () => number;
}

/** Internal carrier for bail(); never escapes retry(). */
class Bail extends Error {
  constructor(readonly error: unknown) {
    super('bail');
  }
}

/** Non-IngestErrors (network errors from client libraries) are retriable unless they look like bugs. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof InternalError || error instanceof ValidationError || error instanceof AbortedError)
    return false;
  if (isIngestError(error)) return error.retriable;
  if (error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return false;
  return true;
}

export async function retry<T>(
  fn: (ctx: RetryContext) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const label = options.label ?? 'operation';
  const shouldRetry = options.shouldRetry ?? isRetriable;
  const clock = options.clock ?? systemClock;
  const sleep = clock.sleep.bind(clock);
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new AbortedError(`${label}: aborted`);
    try {
      return await fn({
        attempt,
        bail(error: unknown): never {
          throw new Bail(error);
        },
      });
    } catch (error) {
      // bail() rethrows exactly what the caller handed it, whatever its type.
      if (error instanceof Bail) throw error.error;
      if (!shouldRetry(error)) throw error;
      const exhausted = attempt >= policy.maxAttempts;
      if (exhausted && !options.onExhausted) throw new RetriesExhaustedError(attempt, error, label);
      if (exhausted) options.onExhausted?.({ attempt, error });
      const delayMs = exhausted ? policy.maxDelayMs : backoffDelay(policy, attempt, options.random);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}
