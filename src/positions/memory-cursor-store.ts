/**
 * In-memory CursorStore: for tests, replay and single-process runs without Redis. Cursors are
 * copied on the way in and out so callers cannot mutate stored state.
 */
import type { Cursor, CursorStore } from './ports.js';

export class MemoryCursorStore implements CursorStore {
  private readonly data = new Map<string, Map<string, Cursor>>();

  get(influencerId: string, market: string): Promise<Cursor | undefined> {
    const c = this.data.get(influencerId)?.get(market);
    return Promise.resolve(c ? { ...c, eventIdsAtTime: [...c.eventIdsAtTime] } : undefined);
  }

  set(influencerId: string, market: string, cursor: Cursor): Promise<void> {
    let m = this.data.get(influencerId);
    if (!m) {
      m = new Map();
      this.data.set(influencerId, m);
    }
    m.set(market, { ...cursor, eventIdsAtTime: [...cursor.eventIdsAtTime] });
    return Promise.resolve();
  }

  list(influencerId: string): Promise<Map<string, Cursor>> {
    const m = this.data.get(influencerId) ?? new Map<string, Cursor>();
    return Promise.resolve(
      new Map([...m].map(([k, c]) => [k, { ...c, eventIdsAtTime: [...c.eventIdsAtTime] }])),
    );
  }

  delete(influencerId: string): Promise<void> {
    this.data.delete(influencerId);
    return Promise.resolve();
  }
}
