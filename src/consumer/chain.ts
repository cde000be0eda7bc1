/**
 * The per-key position chain (contracts/SIGNALS.md, "Consuming"): within one key
 * `${influencerId}|${market}`, every signal's previousPosition must equal the last signal's
 * position. A RECONCILE is the service's own explicit correction and chains like any other
 * signal (its jump is position - previousPosition, not fill-derived). A mismatch is a chain
 * break: signals were missed (retention, a start mid-stream, a lost consumer state) and the
 * consumer's position for that key was wrong. It is reported, then `position` is adopted as the
 * truth, which is exactly what the next RECONCILE would have done.
 *
 * `check` only looks; `advance` records the new position, called after onSignal resolved so a
 * redelivered signal (handler failed) is checked against the same state again.
 */
import type { ReceivedSignal } from './decode.js';

export interface ChainBreak {
  readonly key: string;
  readonly influencerId: string;
  readonly market: string;
  /** The position this consumer held for the key (the last signal's `position`). */
  readonly expectedPreviousPosition: string;
  /** What the signal says the position was before it. */
  readonly previousPosition: string;
  /** The position the signal moves to: adopted as the truth. */
  readonly position: string;
  readonly signal: ReceivedSignal;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export class PositionChain {
  private readonly last = new Map<string, string>();

  /** Restores a known position (e.g. from the consumer's own store) before consuming. */
  seed(key: string, position: string): void {
    this.last.set(key, position);
  }

  /** The last position held for `key`, or undefined when this consumer has not seen it. */
  position(key: string): string | undefined {
    return this.last.get(key);
  }

  /** The expected previous position when the signal breaks the chain, else null. */
  check(key: string, signal: ReceivedSignal): string | null {
    const held = this.last.get(key);
    if (held === undefined || held === signal.previousPosition) return null;
    return held;
  }

  advance(key: string, signal: ReceivedSignal): void {
    this.last.set(key, signal.position);
  }
}
