// One conformance suite every InfluencerSource adapter must pass (static and file in unit
// tests, Redis in the integration tests), so the watcher can rely on the same behaviour from
// each: the full list, a change callback followed by the new list, bad records rejected by
// name while the good ones load, a stopped watch, and an idempotent close.
import { expect, it } from 'vitest';
import type { ChangeHint, InfluencerSource } from '../../src/influencers/index.js';
import { rec } from './fixtures.js';

/** An adapter under test plus the way to change what it holds (file write, Redis commit, set). */
export interface SourceFixture {
  readonly source: InfluencerSource;
  /** Replaces the stored records with these raw (possibly invalid) records and notifies. */
  replace(records: readonly unknown[]): Promise<void>;
}

/** Resolves with the first hint the source reports; the caller stops watching. */
function nextChange(source: InfluencerSource): { hint: Promise<ChangeHint>; stop: () => void } {
  let stop: () => void = () => undefined;
  const hint = new Promise<ChangeHint>((resolve) => {
    stop = source.watch(resolve);
  });
  return { hint, stop };
}

export function influencerSourceConformance(
  make: (records: readonly unknown[]) => Promise<SourceFixture>,
  opts: {
    /** Resolves once `watchers` watches are live (Redis subscribes asynchronously). */
    readonly watchReady?: (source: InfluencerSource, watchers: number) => Promise<void>;
  } = {},
): void {
  it('load lists every stored record, whole and valid', async () => {
    const { source } = await make([rec('a1', 1), rec('b2', 2, { priority: 4, markets: ['BTC'] })]);
    try {
      const snap = await source.load();
      const byId = [...snap.influencers].sort((x, y) => x.id.localeCompare(y.id));
      expect(byId).toEqual([rec('a1', 1), rec('b2', 2, { priority: 4, markets: ['BTC'] })]);
      expect(snap.rejected).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('an empty store loads as an empty list, not an error', async () => {
    const { source } = await make([]);
    try {
      const snap = await source.load();
      expect(snap.influencers).toEqual([]);
      expect(snap.rejected).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('a change calls the watcher, and load then returns the new set', async () => {
    const fx = await make([rec('a1', 1)]);
    const { hint, stop } = nextChange(fx.source);
    try {
      await opts.watchReady?.(fx.source, 1);
      await fx.replace([rec('a1', 1), rec('c3', 3)]);
      expect(['notification', 'file']).toContain((await hint).reason);
      const ids = (await fx.source.load()).influencers.map((i) => i.id).sort();
      expect(ids).toEqual(['a1', 'c3']);
    } finally {
      stop();
      await fx.source.close();
    }
  });

  it('bad records are rejected by id with the field named; the good ones still load', async () => {
    const { source } = await make([
      rec('aok', 1),
      { ...rec('badaddr', 2), address: '0x1' },
      rec('zdup', 1), // the address of "aok"; sorts last so every adapter meets it second
    ]);
    try {
      const snap = await source.load();
      expect(snap.influencers.map((i) => i.id)).toEqual(['aok']);
      const rejected = [...snap.rejected].sort((x, y) => x.id.localeCompare(y.id));
      expect(rejected.map((r) => r.id)).toEqual(['badaddr', 'zdup']);
      expect(rejected[0]?.issues.join('\n')).toMatch(/^address/m);
      expect(rejected[1]?.issues.join('\n')).toMatch(/address: .* is already used by "aok"/);
    } finally {
      await source.close();
    }
  });

  it('a stopped watch hears nothing while another watch hears the change', async () => {
    const fx = await make([rec('a1', 1)]);
    const stopped: ChangeHint[] = [];
    const stopFirst = fx.source.watch((h) => stopped.push(h));
    const live = nextChange(fx.source);
    try {
      await opts.watchReady?.(fx.source, 2);
      stopFirst();
      await fx.replace([rec('a1', 1), rec('d4', 4)]);
      expect(['notification', 'file']).toContain((await live.hint).reason);
      expect(stopped).toEqual([]);
    } finally {
      live.stop();
      await fx.source.close();
    }
  });

  it('close resolves and can be called twice', async () => {
    const { source } = await make([rec('a1', 1)]);
    expect((await source.load()).influencers).toHaveLength(1);
    await expect(source.close()).resolves.toBeUndefined();
    await expect(source.close()).resolves.toBeUndefined();
  });
}
