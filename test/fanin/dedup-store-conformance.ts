// One conformance suite every fanin DedupStore adapter must pass (memory and layered in unit
// tests), so fan-in can rely on the same first-arrival-wins behaviour from each.
import { expect, it } from 'vitest';
import type { DedupStore } from '../../src/fanin/index.js';

export function dedupStoreConformance(make: () => DedupStore, ids: () => string): void {
  it('the first arrival wins; later copies, also within one batch, are suppressed in order', async () => {
    const s = make();
    const [a, b, c] = [ids(), ids(), ids()];
    expect(await s.claim([a, b, a], 0)).toEqual([true, true, false]);
    expect(await s.claim([b, c], 1)).toEqual([false, true]);
    expect(await s.claim([], 2)).toEqual([]);
    await s.close();
  });

  it('claiming the same id again is idempotent: it stays suppressed', async () => {
    const s = make();
    const a = ids();
    expect(await s.claim([a], 0)).toEqual([true]);
    for (let t = 1; t < 4; t++) expect(await s.claim([a], t)).toEqual([false]);
    await s.close();
  });

  it('close can be called twice', async () => {
    const s = make();
    await s.close();
    await expect(s.close()).resolves.toBeUndefined();
  });
}
