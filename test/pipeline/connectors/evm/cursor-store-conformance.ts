/**
 * The EVM follower's CursorStore conformance suite: the cases every adapter of the port in
 * src/pipeline/connectors/evm/cursor.ts must pass (memory in tests, file in local mode), so the
 * follower resumes the same way from each. `newLocation()` is a fresh, empty place; `open()`
 * opens a store on it (again = a restart); `durable` says whether a reopened store still has
 * the last saved cursor.
 */
import { describe, expect, it } from 'vitest';
import type { ChainCursor, CursorStore } from '../../../../src/pipeline/connectors/evm/index.js';

export interface CursorLocation {
  open(): CursorStore;
}

const cursor = (tip: number, chainId = 31337): ChainCursor => ({
  chainId,
  blocks: [tip - 2, tip - 1, tip].map((n) => ({
    number: n,
    hash: `0x${n.toString(16).padStart(64, '0')}`,
    timestampS: 1_700_000_000 + n * 2,
  })),
});

export function evmCursorStoreConformance(
  name: string,
  newLocation: () => CursorLocation,
  options: { readonly durable: boolean },
): void {
  describe(`EVM CursorStore conformance: ${name}`, () => {
    it('a fresh store has no cursor', async () => {
      expect(await newLocation().open().load()).toBeUndefined();
    });

    it('load gives back what was saved, and the latest save wins', async () => {
      const store = newLocation().open();
      await store.save(cursor(10));
      expect(await store.load()).toEqual(cursor(10));
      await store.save(cursor(12, 1));
      expect(await store.load()).toEqual(cursor(12, 1));
    });

    it(`a reopened store ${options.durable ? 'resumes from' : 'has lost'} the last saved cursor`, async () => {
      const location = newLocation();
      const first = location.open();
      await first.save(cursor(5));
      await first.save(cursor(6));
      expect(await location.open().load()).toEqual(options.durable ? cursor(6) : undefined);
    });
  });
}
