import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SourceError } from '../../src/core/index.js';
import { InfluencerWatcher, checkRecords } from '../../src/influencers/index.js';
import type {
  ChangeHint,
  InfluencerSnapshot,
  InfluencerSource,
  InfluencerWatcherEvents,
} from '../../src/influencers/index.js';
import { rec } from './fixtures.js';

class FakeSource implements InfluencerSource {
  readonly name = 'fake';
  records: unknown[] = [];
  down = false;
  loads = 0;
  closed = 0;
  private cb: ((h: ChangeHint) => void) | undefined;

  load(): Promise<InfluencerSnapshot> {
    this.loads++;
    if (this.down) return Promise.reject(new SourceError('REDIS_UNAVAILABLE', 'connection refused'));
    return Promise.resolve(
      checkRecords(this.records.map((value) => ({ key: (value as { id: string }).id, value }))),
    );
  }
  watch(cb: (h: ChangeHint) => void): () => void {
    this.cb = cb;
    return () => (this.cb = undefined);
  }
  notify(): void {
    this.cb?.({ reason: 'notification' });
  }
  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
}

function record<K extends keyof InfluencerWatcherEvents>(
  w: InfluencerWatcher,
  event: K,
): InfluencerWatcherEvents[K][] {
  const seen: InfluencerWatcherEvents[K][] = [];
  w.on(event, (p) => seen.push(p));
  return seen;
}

let source: FakeSource;
let watcher: InfluencerWatcher;

beforeEach(() => {
  vi.useFakeTimers();
  source = new FakeSource();
  source.records = [rec('a', 1), rec('b', 2)];
  watcher = new InfluencerWatcher({ source, reconcileIntervalMs: 30_000, retryIntervalMs: 1000 });
});

afterEach(async () => {
  await watcher.close();
  vi.useRealTimers();
});

describe('InfluencerWatcher', () => {
  it('start loads the set and emits it as added', async () => {
    const changes = record(watcher, 'change');
    expect((await watcher.start()).map((i) => i.id)).toEqual(['a', 'b']);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.diff.added.map((i) => i.id)).toEqual(['a', 'b']);
    expect(changes[0]?.trigger).toBe('initial');
  });

  it('an empty initial set still emits one change, so the root knows it loaded', async () => {
    source.records = [];
    const changes = record(watcher, 'change');
    await watcher.start();
    expect(changes).toHaveLength(1);
  });

  it('a notification reloads and emits added/removed/changed', async () => {
    await watcher.start();
    const changes = record(watcher, 'change');
    source.records = [rec('a', 1, { enabled: false, version: 2 }), rec('c', 3)];
    source.notify();
    await vi.advanceTimersByTimeAsync(0);
    expect(changes).toHaveLength(1);
    const d = changes[0]?.diff;
    expect(d?.added.map((i) => i.id)).toEqual(['c']);
    expect(d?.removed.map((i) => i.id)).toEqual(['b']);
    expect(d?.changed.map((c) => [c.id, c.fields, c.before.enabled, c.after.enabled])).toEqual([
      ['a', ['enabled'], true, false],
    ]);
    expect(changes[0]?.trigger).toBe('notification');
  });

  it('the periodic reconcile picks up a change made without a notification', async () => {
    await watcher.start();
    const changes = record(watcher, 'change');
    source.records = [rec('a', 1, { priority: 5 }), rec('b', 2)];
    await vi.advanceTimersByTimeAsync(29_999);
    expect(changes).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.trigger).toBe('reconcile');
    expect(watcher.current().find((i) => i.id === 'a')?.priority).toBe(5);
  });

  it('no change, no change event', async () => {
    await watcher.start();
    const changes = record(watcher, 'change');
    const reloads = record(watcher, 'reload');
    source.notify();
    await vi.advanceTimersByTimeAsync(0);
    expect(changes).toHaveLength(0);
    expect(reloads).toEqual([expect.objectContaining({ ok: true, count: 2, trigger: 'notification' })]);
  });

  it('an invalid record keeps its last good version while others still update', async () => {
    await watcher.start();
    const changes = record(watcher, 'change');
    const rejected = record(watcher, 'rejected');
    source.records = [
      { ...rec('a', 1), priority: 'very high', version: 2 },
      rec('b', 2, { label: 'Bee' }),
      { ...rec('n', 9), address: 'nope' },
    ];
    source.notify();
    await vi.advanceTimersByTimeAsync(0);
    expect(rejected.map((r) => [r.id, r.kept, r.issues[0]?.split(':')[0]])).toEqual([
      ['a', true, 'priority'],
      ['n', false, 'address'],
    ]);
    expect(watcher.current().map((i) => [i.id, i.label, i.priority])).toEqual([
      ['a', 'A', 0],
      ['b', 'Bee', 0],
    ]);
    expect(changes[0]?.diff.changed.map((c) => c.id)).toEqual(['b']);
    expect(changes[0]?.diff.removed).toEqual([]);
  });

  it('source down: keeps the last good set, reports unavailable, retries and resyncs', async () => {
    await watcher.start();
    const states = record(watcher, 'state');
    const changes = record(watcher, 'change');
    source.down = true;
    source.notify();
    await vi.advanceTimersByTimeAsync(0);
    expect(states).toEqual([{ state: 'unavailable', error: 'connection refused' }]);
    expect(watcher.current().map((i) => i.id)).toEqual(['a', 'b']);
    const loadsWhileDown = source.loads;
    await vi.advanceTimersByTimeAsync(1000);
    expect(source.loads).toBe(loadsWhileDown + 1);
    source.records = [rec('a', 1)];
    source.down = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(states.at(-1)).toEqual({ state: 'ok' });
    expect(changes.at(-1)?.diff.removed.map((i) => i.id)).toEqual(['b']);
    expect(watcher.sourceState()).toBe('ok');
  });

  it('a first load that fails resolves empty and delivers the set when the source returns', async () => {
    source.down = true;
    const changes = record(watcher, 'change');
    expect(await watcher.start()).toEqual([]);
    expect(watcher.sourceState()).toBe('unavailable');
    source.down = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes[0]?.diff.added.map((i) => i.id)).toEqual(['a', 'b']);
  });

  it('coalesces bursts of notifications into one follow-up reload', async () => {
    await watcher.start();
    const before = source.loads;
    for (let i = 0; i < 10; i++) source.notify();
    await vi.advanceTimersByTimeAsync(0);
    expect(source.loads - before).toBe(2);
  });

  it('a throwing listener does not break the others', async () => {
    watcher.on('change', () => {
      throw new Error('boom');
    });
    const changes = record(watcher, 'change');
    await watcher.start();
    expect(changes).toHaveLength(1);
  });

  it('close is idempotent, stops timers and closes the source once', async () => {
    await watcher.start();
    const p1 = watcher.close();
    const p2 = watcher.close();
    expect(p1).toBe(p2);
    await p1;
    const loads = source.loads;
    source.notify();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(source.loads).toBe(loads);
    expect(source.closed).toBe(1);
  });
});
