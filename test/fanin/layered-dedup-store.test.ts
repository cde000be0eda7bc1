import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.js';
import type { RemoteDedupStore } from '../../src/fanin/index.js';
import { LayeredDedupStore, MemoryDedupStore } from '../../src/fanin/index.js';
import { dedupStoreConformance } from './dedup-store-conformance.js';
import { ManualClock } from '../kit/index.js';

class FakeRemote implements RemoteDedupStore {
  seen = new Set<string>();
  calls = 0;
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  claim(ids: readonly string[]): Promise<readonly boolean[]> {
    this.calls++;
    if (this.mode === 'fail') return Promise.reject(new Error('ECONNREFUSED'));
    if (this.mode === 'hang') return new Promise(() => undefined);
    return Promise.resolve(ids.map((id) => (this.seen.has(id) ? false : (this.seen.add(id), true))));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setup() {
  const clock = new ManualClock();
  const remote = new FakeRemote();
  const store = new LayeredDedupStore({
    memory: new MemoryDedupStore({ maxEntries: 100, ttlMs: 60_000 }),
    remote,
    clock,
    logger: silentLogger,
    remoteTimeoutMs: 200,
    retryAfterMs: 1000,
  });
  const events: string[] = [];
  store.events.on('degraded', (e) => events.push(`degraded:${e.reason}`));
  store.events.on('recovered', () => events.push('recovered'));
  return { clock, remote, store, events };
}

describe('LayeredDedupStore', () => {
  it('answers memory hits without a round trip and lets the remote decide misses', async () => {
    const { remote, store } = setup();
    remote.seen.add('seen-elsewhere');
    expect(await store.claim(['a', 'seen-elsewhere'], 0)).toEqual([true, false]);
    expect(store.claim(['a', 'seen-elsewhere'], 1)).toEqual([false, false]); // sync: memory only
    expect(remote.calls).toBe(1);
  });

  it('falls back to memory when the remote fails, bypasses it for retryAfterMs, then recovers', async () => {
    const { clock, remote, store, events } = setup();
    remote.mode = 'fail';
    expect(await store.claim(['a'], 0)).toEqual([true]);
    expect(events).toEqual(['degraded:ECONNREFUSED']);
    expect(store.degraded).toBe(true);
    remote.mode = 'ok';
    expect(store.claim(['b'], 1)).toEqual([true]); // bypassed: memory only, synchronous
    expect(remote.calls).toBe(1);
    clock.advance(1000);
    expect(await store.claim(['c'], 2)).toEqual([true]);
    expect(events).toEqual(['degraded:ECONNREFUSED', 'recovered']);
  });

  it('never blocks longer than the timeout when the remote hangs', async () => {
    const { clock, remote, store, events } = setup();
    remote.mode = 'hang';
    const p = store.claim(['a'], 0);
    clock.advance(200);
    expect(await p).toEqual([true]);
    expect(events[0]).toMatch(/timeout/);
  });
});

describe('LayeredDedupStore conformance', () => {
  let n = 0;
  dedupStoreConformance(
    () => setup().store,
    () => `conformance-${n++}`,
  );
});
