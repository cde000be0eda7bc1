/**
 * Redis restarted under the running service (harness control). The harness Redis has no
 * persistence, so it comes back EMPTY, which is what a restart without AOF/RDB, a failover to an
 * empty replica or a FLUSHALL look like. The service must keep tracking everyone during the
 * outage, and must not read "no influencers and no version counter" as "untrack everyone":
 * it keeps the last good set and reports the source as suspect until influencers are written
 * again. Ops then re-import the exported set; later changes are picked up as usual.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InfluencerWatcherEvents } from '../../src/influencers/index.js';
import { isControllable, serviceControl } from '../harness/index.js';
import { reloadFixture } from './reload-fixture.js';
import { cliOk, finalVsTruth, quiesce, simAccounts, subscribed, watcherListening } from './reload-helpers.js';
import { until } from '../kit/index.js';

// The fixture's assertion client swallows errors: this file stops Redis under it.
const fx = reloadFixture();

describe('Redis restart under the running service', () => {
  it.runIf(isControllable('redis'))(
    'keeps tracking on the last good set through the outage and an empty comeback, resyncs once re-populated',
    async () => {
      const env = fx.env('reload_restart', 45, 4);
      const addrs = await simAccounts(env.seed, 4);
      const [aAddr, bAddr, cAddr, newAddr] = addrs;
      if (!aAddr || !bAddr || !cAddr || !newAddr) throw new Error('accounts');
      await cliOk(env, 'add', aAddr, '--id', 'a');
      await cliOk(env, 'add', bAddr, '--id', 'b');
      await cliOk(env, 'add', cAddr, '--id', 'c', '--priority', '2');
      const exported = join(env.dir, 'influencers.json');
      await cliOk(env, 'export', '--out', exported);

      const { app: a, sim, watcher, seen, records } = await fx.start(env);
      const states: InfluencerWatcherEvents['state'][] = [];
      watcher.on('state', (e) => states.push(e));
      let reconciles = 0;
      watcher.on('reload', (e) => void (e.trigger === 'reconcile' && reconciles++));
      const ids = ['a', 'b', 'c'];
      for (const id of ids) await until(() => subscribed(a, id), 10_000, `${id} subscribed`);
      await watcherListening(fx.redis, env.prefix);
      const of = (id: string) => seen.filter((s) => s.signal.influencerId === id).map((s) => s.signal);
      await until(() => ids.every((id) => of(id).length > 0), 20_000, 'signals for all');
      const lastGood = a.currentInfluencers();
      const allSignalling = async (what: string) => {
        const counts = ids.map((id) => of(id).length);
        await until(() => ids.every((id, i) => of(id).length > (counts[i] ?? 0)), 15_000, what);
      };

      const control = serviceControl('redis');
      await control.stop();
      try {
        // Down: the watcher cannot read, keeps everything, and trading goes on being followed.
        await watcher.reload('reconcile');
        expect(watcher.sourceState()).toBe('unavailable');
        await allSignalling('signals for everyone while Redis is down');
        expect(a.currentInfluencers()).toEqual(lastGood);
        for (const id of ids) expect(subscribed(a, id)).toBe(true);
      } finally {
        await control.start();
      }

      // Back, but empty: nothing is untracked; the source is reported suspect and logged as an error.
      expect(await fx.redis.exists(`${env.prefix}influencers:ids`)).toBe(0);
      await until(
        () => watcher.sourceState() === 'suspect',
        10_000,
        'suspect state after the empty comeback',
      );
      expect(states.map((s) => s.state)).toEqual(['unavailable', 'suspect']);
      expect(records.some((r) => r.level === 'error' && /no influencers/.test(r.msg))).toBe(true);
      // Two reconcile passes later it still holds the last good set.
      const passes = reconciles;
      await until(() => reconciles >= passes + 2, 15_000, 'two more reconcile passes');
      expect(a.currentInfluencers()).toEqual(lastGood);
      for (const id of ids) expect(subscribed(a, id)).toBe(true);
      await allSignalling('signals for everyone while Redis is empty');

      // Ops restore the exported set: accepted, nothing lost or re-planned away.
      await watcherListening(fx.redis, env.prefix);
      await cliOk(env, 'import', exported);
      await until(() => watcher.sourceState() === 'ok', 5000, 'source ok after the re-import');
      expect(a.currentInfluencers().map((i) => [i.id, i.address, i.priority, i.enabled])).toEqual(
        lastGood.map((i) => [i.id, i.address, i.priority, i.enabled]),
      );
      for (const id of ids) expect(subscribed(a, id)).toBe(true);

      // And a change made after the restart is picked up within a second.
      const t0 = performance.now();
      await cliOk(env, 'add', newAddr, '--id', 'fresh');
      await until(() => subscribed(a, 'fresh'), 5000, 'fresh subscribed');
      const addMs = performance.now() - t0;
      await until(() => of('fresh').length > 0, 20_000, 'signals for fresh');
      console.log(`[reload-restart] add after the restart applied in ${Math.round(addMs)} ms`);
      expect(addMs).toBeLessThan(1250);

      // Emptying on purpose through the CLI (the version counter advances) is obeyed.
      await quiesce(a);
      for (const id of [...ids, 'fresh']) await cliOk(env, 'remove', id);
      await until(() => a.currentInfluencers().length === 0, 5000, 'everyone removed on purpose');
      await until(() => (a.manager?.status().influencers.length ?? -1) === 0, 5000, 'nobody planned');
      expect(watcher.sourceState()).toBe('ok');
      await a.close(5000);
      for (const [id, addr] of [
        ['a', aAddr],
        ['b', bAddr],
        ['c', cAddr],
      ] as const) {
        const signals = of(id);
        expect(new Set(signals.map((s) => s.signalId)).size).toBe(signals.length);
        const cmp = finalVsTruth(sim, addr, signals);
        expect({ id, got: cmp.got }).toEqual({ id, got: cmp.want });
      }
    },
    90_000,
  );
});
