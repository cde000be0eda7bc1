// One conformance suite every CursorStore adapter must pass (memory in unit tests, Redis in
// the integration tests), so the engine can rely on the same behaviour from each.
import { expect, it } from 'vitest';
import type { CursorStore } from '../../src/positions/index.js';

export function cursorStoreConformance(make: () => CursorStore, influencer: () => string): void {
  it('get returns undefined for an unknown cursor and list an empty map', async () => {
    const s = make();
    const id = influencer();
    expect(await s.get(id, 'BTC')).toBeUndefined();
    expect((await s.list(id)).size).toBe(0);
  });

  it('set/get/list round-trip per market; set overwrites; delete removes the influencer', async () => {
    const s = make();
    const id = influencer();
    const a = { time: 10, eventId: 'e1', eventIdsAtTime: ['e0', 'e1'], position: '-1.25' };
    const b = { time: 20, eventId: 'e2', eventIdsAtTime: ['e2'], position: '3' };
    await s.set(id, 'BTC', a);
    await s.set(id, 'xyz:TSLA', b);
    expect(await s.get(id, 'BTC')).toEqual(a);
    await s.set(id, 'BTC', { ...a, time: 11 });
    expect((await s.get(id, 'BTC'))?.time).toBe(11);
    const all = await s.list(id);
    expect([...all.keys()].sort()).toEqual(['BTC', 'xyz:TSLA']);
    expect(all.get('xyz:TSLA')).toEqual(b);
    await s.delete(id);
    expect((await s.list(id)).size).toBe(0);
  });
}
