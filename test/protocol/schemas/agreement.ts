/**
 * The property every hand-written acceptor is held to: over generated inputs it never accepts
 * what the zod schema refuses, what it accepts equals zod's output, and both answers occur
 * often enough that the run proves something.
 */
import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * Wire values any field of a generated input can be swapped for: wrong types, decimal strings a
 * strict pattern refuses, integers at and past the safe bound. Each test adds its own.
 */
export const ODD_WIRE_VALUES: readonly unknown[] = [
  undefined,
  null,
  '',
  '0',
  '-0',
  '1.',
  '.5',
  '01.5',
  '1e5',
  '-1.25',
  'B',
  'A',
  true,
  false,
  0,
  -0,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  NaN,
  [],
  {},
];

export interface Zodlike {
  safeParse(v: unknown): { success: boolean; data?: unknown };
}

export function expectAgreement<T>(
  inputs: fc.Arbitrary<T>,
  accept: (input: T) => unknown,
  schemaOf: (input: T) => Zodlike | undefined,
  o: { readonly seed: number; readonly numRuns: number; readonly minEach: number },
): void {
  let accepted = 0;
  let refused = 0;
  fc.assert(
    fc.property(inputs, (input) => {
      const fast = accept(input);
      if (fast === null) {
        refused++;
        return;
      }
      accepted++;
      const slow = schemaOf(input)?.safeParse(input);
      expect(slow?.success, JSON.stringify(input)).toBe(true);
      expect(fast).toEqual(slow?.data);
    }),
    { numRuns: o.numRuns, seed: o.seed },
  );
  expect(accepted).toBeGreaterThan(o.minEach);
  expect(refused).toBeGreaterThan(o.minEach);
}
