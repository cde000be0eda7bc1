/**
 * The position state machine as data (style guide §5): the three states, the actions a signal
 * can carry, a table of the legal (from -> to) moves per action and one guarded `transition()`.
 * `deriveAction` is the only place an action is computed from two signed positions; `dir` from
 * the wire never decides (docs/hyperliquid-protocol.md §9.1), it is only cross-checked elsewhere.
 */
import { StateError, sign } from '../core/index.js';
import type { Decimal } from '../core/index.js';

export const POSITION_STATES = ['FLAT', 'LONG', 'SHORT'] as const;
export type PositionState = (typeof POSITION_STATES)[number];

/** RECONCILE is a jump to an authoritative position that fills could not explain. */
export const POSITION_ACTIONS = ['OPEN', 'CLOSE', 'INCREASE', 'DECREASE', 'FLIP', 'RECONCILE'] as const;
export type PositionAction = (typeof POSITION_ACTIONS)[number];

type Move = readonly [from: PositionState, to: PositionState];

/** Every legal move per action. Anything not listed is a bug upstream and throws. */
export const TRANSITIONS: Readonly<Record<PositionAction, readonly Move[]>> = Object.freeze({
  OPEN: [
    ['FLAT', 'LONG'],
    ['FLAT', 'SHORT'],
  ],
  CLOSE: [
    ['LONG', 'FLAT'],
    ['SHORT', 'FLAT'],
  ],
  INCREASE: [
    ['LONG', 'LONG'],
    ['SHORT', 'SHORT'],
  ],
  DECREASE: [
    ['LONG', 'LONG'],
    ['SHORT', 'SHORT'],
  ],
  FLIP: [
    ['LONG', 'SHORT'],
    ['SHORT', 'LONG'],
  ],
  // A reconciliation may land anywhere, including where it started (a size correction).
  RECONCILE: POSITION_STATES.flatMap((f) => POSITION_STATES.map((t) => [f, t] as const)),
});

export function stateOf(position: Decimal): PositionState {
  const s = sign(position);
  return s === 0 ? 'FLAT' : s > 0 ? 'LONG' : 'SHORT';
}

export function isLegal(from: PositionState, action: PositionAction, to: PositionState): boolean {
  return TRANSITIONS[action].some(([f, t]) => f === from && t === to);
}

export interface TransitionEvent {
  readonly from: PositionState;
  readonly to: PositionState;
  readonly action: PositionAction;
}

/**
 * The guard: throws StateError('STATE_ILLEGAL_TRANSITION') for a move the table forbids,
 * otherwise reports the move to `onTransition` and returns the new state.
 */
export function transition(
  from: PositionState,
  action: PositionAction,
  to: PositionState,
  onTransition?: (e: TransitionEvent) => void,
): PositionState {
  if (!isLegal(from, action, to)) {
    throw new StateError('STATE_ILLEGAL_TRANSITION', `illegal position move ${from} -${action}-> ${to}`, {
      context: { from, action, to },
    });
  }
  onTransition?.({ from, to, action });
  return to;
}

/**
 * The action that takes `before` to `after` (both signed), or null when nothing changed.
 * OPEN only from flat, CLOSE only to flat, FLIP only through zero, else by absolute size.
 */
export function deriveAction(before: Decimal, after: Decimal): Exclude<PositionAction, 'RECONCILE'> | null {
  if (before.eq(after)) return null;
  const sb = sign(before);
  const sa = sign(after);
  if (sb === 0) return 'OPEN';
  if (sa === 0) return 'CLOSE';
  if (sb !== sa) return 'FLIP';
  return after.abs().gt(before.abs()) ? 'INCREASE' : 'DECREASE';
}
