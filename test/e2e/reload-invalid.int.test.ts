/**
 * A corrupt influencer record written straight into Redis (bypassing the CLI's validation) and
 * announced on the change channel must not hurt the running service: the watcher rejects it
 * (event + a warning naming the influencer and the fields), the influencer stays tracked on its
 * last good version, a valid change made meanwhile is still applied, and everyone keeps
 * producing signals that end at the simulator's ground truth.
 */
import { describe, expect, it } from 'vitest';
import { RECORD_FIELD, influencerKeys } from '../../src/influencers/index.js';
import type { InfluencerWatcherEvents } from '../../src/influencers/index.js';
import { cliOk, finalVsTruth, quiesce, simAccounts, subscribed, watcherListening } from './reload-helpers.js';
import { reloadFixture } from './reload-fixture.js';
import { until } from '../kit/index.js';

const fx = reloadFixture();

describe('an invalid influencer record while the service runs', () => {
  it('is rejected, its last good version stays tracked, and the others keep working', async () => {
    const env = fx.env('reload_invalid', 33, 4);
    const { redis } = fx;
    const [oneAddr, victimAddr, twoAddr, extraAddr] = await simAccounts(env.seed, 4);
    if (!oneAddr || !victimAddr || !twoAddr || !extraAddr) throw new Error('accounts');
    await cliOk(env, 'add', oneAddr, '--id', 'one');
    await cliOk(env, 'add', victimAddr, '--id', 'victim', '--priority', '3');
    await cliOk(env, 'add', twoAddr, '--id', 'two');

    const { app: a, sim, watcher, seen, records } = await fx.start(env);
    const rejected: InfluencerWatcherEvents['rejected'][] = [];
    watcher.on('rejected', (e) => rejected.push(e));
    for (const id of ['one', 'victim', 'two']) {
      await until(() => subscribed(a, id), 10_000, `${id} subscribed`);
    }
    await watcherListening(redis, env.prefix);
    const of = (id: string) => seen.filter((s) => s.signal.influencerId === id).map((s) => s.signal);
    await until(() => ['one', 'victim', 'two'].every((id) => of(id).length > 0), 20_000, 'signals');
    const good = a.currentInfluencers().find((i) => i.id === 'victim');
    expect(good?.address).toBe(victimAddr);

    // Behind the CLI's back: a bad address and an unknown key, then a hand-made change notice.
    const keys = influencerKeys(env.prefix);
    const stored = await redis.hget(keys.record('victim'), RECORD_FIELD);
    const corrupt = { ...(JSON.parse(stored ?? '{}') as object), address: 'not-an-address', colour: 'red' };
    await redis.hset(keys.record('victim'), RECORD_FIELD, JSON.stringify(corrupt));
    await redis.publish(
      keys.changes,
      JSON.stringify({
        action: 'set',
        ids: ['victim'],
        actor: 'vandal',
        at: new Date().toISOString(),
        version: 0,
      }),
    );
    await until(() => rejected.some((r) => r.id === 'victim'), 2000, 'victim rejected');
    const rej = rejected.find((r) => r.id === 'victim');
    expect(rej?.kept).toBe(true);
    expect(rej?.issues.join(' ')).toMatch(/address/);
    expect(rej?.issues.join(' ')).toMatch(/colour/);
    const warned = records.find((r) => r.level === 'warn' && r.obj['influencer'] === 'victim');
    expect(warned?.msg).toMatch(/invalid influencer record/);

    // Its last good version stays in force and tracked.
    expect(a.currentInfluencers().find((i) => i.id === 'victim')).toEqual(good);
    expect(subscribed(a, 'victim')).toBe(true);

    // A valid change made while the bad record is still there is applied.
    await cliOk(env, 'add', extraAddr, '--id', 'extra');
    await until(() => subscribed(a, 'extra'), 2000, 'extra subscribed');
    expect(a.currentInfluencers().map((i) => i.id)).toEqual(['extra', 'one', 'two', 'victim']);

    // Unreadable JSON is rejected the same way on the next reload.
    await redis.hset(keys.record('victim'), RECORD_FIELD, '{not json');
    const before = rejected.length;
    await redis.publish(keys.changes, 'not json either');
    await until(() => rejected.length > before, 2000, 'second rejection');
    expect(rejected.at(-1)).toMatchObject({ id: 'victim', kept: true });
    expect(a.currentInfluencers().find((i) => i.id === 'victim')).toEqual(good);

    // Everyone, the rejected one included, keeps producing signals.
    const counts = new Map(['one', 'two', 'victim', 'extra'].map((id) => [id, of(id).length]));
    await until(
      () => [...counts].every(([id, n]) => of(id).length > n),
      20_000,
      'signals for every influencer after the rejections',
    );
    expect(subscribed(a, 'victim')).toBe(true);
    await quiesce(a);
    await a.close(5000);

    for (const [id, addr] of [
      ['one', oneAddr],
      ['two', twoAddr],
      ['victim', victimAddr],
    ] as const) {
      const signals = of(id);
      expect(new Set(signals.map((s) => s.signalId)).size).toBe(signals.length);
      const cmp = finalVsTruth(sim, addr, signals);
      expect({ id, got: cmp.got }).toEqual({ id, got: cmp.want });
    }
  }, 90_000);
});
