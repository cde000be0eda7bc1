import { describe, expect, it } from 'vitest';
import { OffsetCommitter } from '../../src/consumer/committer.js';
import { ManualClock } from '../kit/index.js';

const settled = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(o: { intervalMs: number; threshold: number; fail?: () => boolean }) {
  const clock = new ManualClock(1_000);
  const commits: Record<number, number>[] = [];
  const errors: unknown[] = [];
  const c = new OffsetCommitter({
    ...o,
    clock,
    commit: (offsets) => {
      if (o.fail?.()) return Promise.reject(new Error('coordinator moved'));
      commits.push(Object.fromEntries(offsets));
      return Promise.resolve();
    },
    onError: (e) => errors.push(e),
  });
  return { clock, commits, errors, c };
}

describe('OffsetCommitter', () => {
  it('commits next offsets after `threshold` handled messages, not before', async () => {
    const { commits, c } = setup({ intervalMs: 60_000, threshold: 3 });
    await c.handledMessage(0, '10');
    await c.handledMessage(1, '4');
    expect(commits).toEqual([]);
    await c.handledMessage(0, '11');
    expect(commits).toEqual([{ 0: 12, 1: 5 }]);
  });

  it('commits an idle tail on the timer within intervalMs, and nothing when nothing is new', async () => {
    const { clock, commits, c } = setup({ intervalMs: 500, threshold: 1_000 });
    c.start();
    await c.handledMessage(2, '7');
    expect(commits).toEqual([]);
    clock.advance(500);
    expect(commits).toEqual([{ 2: 8 }]);
    await settled(); // the commit's bookkeeping runs after its (already resolved) promise
    clock.advance(5_000);
    expect(commits).toHaveLength(1);
    await c.stop();
    expect(commits).toHaveLength(1);
  });

  it('intervalMs 0 commits after every message', async () => {
    const { commits, c } = setup({ intervalMs: 0, threshold: 1_000 });
    await c.handledMessage(0, '0');
    await c.handledMessage(0, '1');
    expect(commits).toEqual([{ 0: 1 }, { 0: 2 }]);
  });

  it('a failed commit is reported and the offsets are committed by the next trigger (stop)', async () => {
    let failing = true;
    const { commits, errors, c } = setup({ intervalMs: 60_000, threshold: 1, fail: () => failing });
    await c.handledMessage(0, '3');
    expect(errors).toHaveLength(1);
    expect(commits).toEqual([]);
    failing = false;
    await c.stop();
    expect(commits).toEqual([{ 0: 4 }]);
  });

  it('forgets partitions it no longer holds', async () => {
    const { commits, c } = setup({ intervalMs: 60_000, threshold: 2 });
    await c.handledMessage(0, '1');
    c.retain(new Set([1]));
    await c.handledMessage(1, '9');
    expect(commits).toEqual([{ 1: 10 }]);
    expect([...c.handled.keys()]).toEqual([1]);
  });
});
