/**
 * Live reload against the harness's real Redis: pub/sub-driven reload, reconcile catching a
 * write made without a notice, an invalid record keeping its last good version, and a Redis
 * restart mid-run (harness control) keeping the last good set and resyncing afterwards.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InfluencerWatcher, RECORD_FIELD, influencerKeys } from '../../src/influencers/index.js';
import type { InfluencerWatcherEvents } from '../../src/influencers/index.js';
import { RedisInfluencerSource } from '../../src/influencers/redis-adapter.js';
import { RedisInfluencerStore } from '../../src/influencers/redis-store.js';
import { eventually, isControllable, serviceControl, services, uniqueName } from '../harness/index.js';
import { ADDR, rec } from './fixtures.js';

let url: string;
let redis: Redis;
let prefix: string;
let store: RedisInfluencerStore;
let watcher: InfluencerWatcher | undefined;

beforeAll(() => {
  url = services().redis.url;
  redis = new Redis(url);
  redis.on('error', () => undefined); // the restart test stops Redis under this client
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  prefix = `${uniqueName('watch')}:`;
  store = new RedisInfluencerStore({ connection: { url, keyPrefix: prefix } });
});
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await store.close();
});

function startWatcher(reconcileIntervalMs: number, retryIntervalMs = 200): InfluencerWatcher {
  const source = new RedisInfluencerSource({ connection: { url, keyPrefix: prefix } });
  watcher = new InfluencerWatcher({ source, reconcileIntervalMs, retryIntervalMs });
  return watcher;
}

function collect<K extends keyof InfluencerWatcherEvents>(
  w: InfluencerWatcher,
  e: K,
): InfluencerWatcherEvents[K][] {
  const out: InfluencerWatcherEvents[K][] = [];
  w.on(e, (p) => out.push(p));
  return out;
}

/** Resolves when the watcher's subscription is live (a notice sent now will be received). */
async function subscribed(): Promise<void> {
  const channel = influencerKeys(prefix).changes;
  await eventually(async () => {
    const r = (await redis.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
    return Number(r[1]) > 0;
  }, 'watcher subscribed');
}

describe('InfluencerWatcher on Redis', () => {
  it('a CLI-style change is applied through pub/sub within a second', async () => {
    await store.add({ id: 'a', address: ADDR(1) }, 'test');
    const w = startWatcher(600_000);
    expect((await w.start()).map((i) => i.id)).toEqual(['a']);
    await subscribed();
    const changes = collect(w, 'change');
    const t0 = Date.now();
    await store.add({ id: 'b', address: ADDR(2) }, 'test');
    await eventually(() => changes.length > 0, 'change event', 1000);
    const ms = Date.now() - t0;
    expect(changes[0]?.trigger).toBe('notification');
    expect(changes[0]?.diff.added.map((i) => i.id)).toEqual(['b']);
    console.log(`[watcher] pub/sub reload applied in ${ms} ms`);
    await store.set('a', ['enabled=false'], 'test');
    await eventually(() => changes.length > 1, 'second change', 1000);
    expect(changes[1]?.diff.changed.map((c) => [c.id, c.fields])).toEqual([['a', ['enabled']]]);
  });

  it('the periodic reconcile catches a write made without a notice', async () => {
    await store.add({ id: 'a', address: ADDR(1) }, 'test');
    const w = startWatcher(1000);
    await w.start();
    const changes = collect(w, 'change');
    const keys = influencerKeys(prefix);
    // Behind the CLI's back: no PUBLISH, no audit.
    await redis.hset(keys.record('a'), RECORD_FIELD, JSON.stringify({ ...rec('a', 1), priority: 42 }));
    await eventually(() => changes.length > 0, 'reconcile change', 5000);
    expect(changes[0]?.trigger).toBe('reconcile');
    expect(w.current()[0]?.priority).toBe(42);
  });

  it('an invalid record keeps its last good version; the others keep updating', async () => {
    await store.add({ id: 'a', address: ADDR(1), priority: 1 }, 'test');
    await store.add({ id: 'b', address: ADDR(2) }, 'test');
    const w = startWatcher(600_000);
    await w.start();
    await subscribed();
    const rejected = collect(w, 'rejected');
    const changes = collect(w, 'change');
    const keys = influencerKeys(prefix);
    await redis.hset(
      keys.record('a'),
      RECORD_FIELD,
      JSON.stringify({ ...rec('a', 1), priority: 'top', colour: 'red' }),
    );
    await store.set('b', ['label=Bee'], 'test'); // publishes: triggers the reload
    await eventually(() => changes.length > 0, 'change for b', 2000);
    expect(rejected[0]).toMatchObject({ id: 'a', kept: true });
    expect(rejected[0]?.issues.join(' ')).toMatch(/priority/);
    expect(rejected[0]?.issues.join(' ')).toMatch(/colour/);
    expect(changes[0]?.diff.changed.map((c) => c.id)).toEqual(['b']);
    expect(w.current().map((i) => [i.id, i.priority, i.label])).toEqual([
      ['a', 1, 'a'],
      ['b', 0, 'Bee'],
    ]);
    await redis.hset(keys.record('a'), RECORD_FIELD, '{not json');
    await w.reload('reconcile');
    expect(rejected.at(-1)).toMatchObject({ id: 'a', kept: true });
    expect(w.current().map((i) => i.id)).toEqual(['a', 'b']);
  });

  it.runIf(isControllable('redis'))(
    'Redis restart mid-run: keeps the last good set, reports unavailable, resyncs when Redis returns',
    async () => {
      await store.add({ id: 'a', address: ADDR(1) }, 'test');
      await store.add({ id: 'b', address: ADDR(2) }, 'test');
      const w = startWatcher(1000, 200);
      await w.start();
      await subscribed();
      const states = collect(w, 'state');
      const changes = collect(w, 'change');
      const control = serviceControl('redis');
      await control.stop();
      try {
        await w.reload('reconcile');
        expect(w.sourceState()).toBe('unavailable');
        expect(states[0]?.state).toBe('unavailable');
        expect(w.current().map((i) => i.id)).toEqual(['a', 'b']);
      } finally {
        await control.start();
      }
      // The harness Redis has no persistence: it comes back empty. Seed what ops would restore,
      // with one change, and check the watcher converges on it.
      const seed = new RedisInfluencerStore({ connection: { url, keyPrefix: prefix } });
      try {
        await seed.add({ id: 'a', address: ADDR(1) }, 'restore');
        await seed.add({ id: 'c', address: ADDR(3) }, 'restore');
      } finally {
        await seed.close();
      }
      await eventually(
        () =>
          w.sourceState() === 'ok' &&
          w
            .current()
            .map((i) => i.id)
            .join() === 'a,c',
        'resync',
        15_000,
      );
      expect(states.at(-1)).toEqual({ state: 'ok' });
      expect(changes.at(-1)?.current.map((i) => i.id)).toEqual(['a', 'c']);
      // Pub/sub works again after the restart (ioredis resubscribed).
      await subscribed();
      const n = changes.length;
      const after = new RedisInfluencerStore({ connection: { url, keyPrefix: prefix } });
      try {
        await after.add({ id: 'd', address: ADDR(4) }, 'test');
      } finally {
        await after.close();
      }
      await eventually(() => changes.length > n, 'change after restart', 3000);
      expect(w.current().map((i) => i.id)).toEqual(['a', 'c', 'd']);
    },
  );
  it.runIf(isControllable('redis'))(
    'Redis down at start-up: starts empty and unavailable, loads once Redis is up',
    async () => {
      const control = serviceControl('redis');
      await control.stop();
      let w: InfluencerWatcher;
      try {
        w = startWatcher(600_000, 200);
        expect(await w.start()).toEqual([]);
        expect(w.sourceState()).toBe('unavailable');
      } finally {
        await control.start();
      }
      const seed = new RedisInfluencerStore({ connection: { url, keyPrefix: prefix } });
      try {
        await seed.add({ id: 'late', address: ADDR(7) }, 'test');
      } finally {
        await seed.close();
      }
      await eventually(() => w.current().length === 1, 'initial load after Redis came up', 15_000);
      expect(w.sourceState()).toBe('ok');
    },
  );
});
