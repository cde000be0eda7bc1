import { describe, expect, it } from 'vitest';
import { StateError, dec } from '../../src/core/index.js';
import {
  POSITION_ACTIONS,
  POSITION_STATES,
  TRANSITIONS,
  deriveAction,
  isLegal,
  stateOf,
  transition,
} from '../../src/positions/index.js';

describe('position transition table', () => {
  it('derives actions from signed positions', () => {
    expect(deriveAction(dec('0'), dec('1'))).toBe('OPEN');
    expect(deriveAction(dec('0'), dec('-1'))).toBe('OPEN');
    expect(deriveAction(dec('2'), dec('0'))).toBe('CLOSE');
    expect(deriveAction(dec('2'), dec('-1'))).toBe('FLIP');
    expect(deriveAction(dec('-2'), dec('0.5'))).toBe('FLIP');
    expect(deriveAction(dec('2'), dec('3'))).toBe('INCREASE');
    expect(deriveAction(dec('-2'), dec('-3'))).toBe('INCREASE');
    expect(deriveAction(dec('-2'), dec('-1'))).toBe('DECREASE');
    expect(deriveAction(dec('1.5'), dec('1.5'))).toBeNull();
  });

  it('every derived action is a legal move in the table', () => {
    const values = ['-2', '-1', '0', '1', '2'].map(dec);
    for (const a of values)
      for (const b of values) {
        const action = deriveAction(a, b);
        if (action) expect(isLegal(stateOf(a), action, stateOf(b))).toBe(true);
      }
  });

  it('the guard throws STATE_ILLEGAL_TRANSITION and emits on legal moves', () => {
    const seen: string[] = [];
    expect(transition('FLAT', 'OPEN', 'LONG', (e) => seen.push(`${e.from}>${e.to}`))).toBe('LONG');
    expect(seen).toEqual(['FLAT>LONG']);
    expect(() => transition('LONG', 'OPEN', 'SHORT')).toThrow(StateError);
    try {
      transition('FLAT', 'FLIP', 'LONG');
    } catch (e) {
      expect((e as StateError).code).toBe('STATE_ILLEGAL_TRANSITION');
    }
    expect(() => transition('SHORT', 'CLOSE', 'LONG')).toThrow(/illegal position move/);
  });

  it('the table covers every action and RECONCILE allows every move', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...POSITION_ACTIONS].sort());
    for (const f of POSITION_STATES)
      for (const t of POSITION_STATES) expect(isLegal(f, 'RECONCILE', t)).toBe(true);
    expect(isLegal('FLAT', 'CLOSE', 'FLAT')).toBe(false);
  });
});
