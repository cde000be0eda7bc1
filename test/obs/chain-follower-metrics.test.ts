import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CHAIN_FOLLOWER_METRIC_NAMES, ChainFollowerMetrics } from '../../src/obs/index.js';

describe('ChainFollowerMetrics', () => {
  it('maps progress to the lag gauge and reorgs to the reorg and orphan counters', async () => {
    const registry = new Registry();
    const on = new ChainFollowerMetrics(registry).listener('hyperevm');
    on({ kind: 'progress', head: 110, tip: 100, lag: 10 });
    on({ kind: 'reorg', depth: 3, ancestor: 97 });
    on({ kind: 'progress', head: 111, tip: 111, lag: 0 });
    const value = async (name: string) =>
      (await registry.getSingleMetric(name)?.get())?.values.find((v) => v.labels['connector'] === 'hyperevm')
        ?.value;
    expect(await value(CHAIN_FOLLOWER_METRIC_NAMES.lag)).toBe(0);
    expect(await value(CHAIN_FOLLOWER_METRIC_NAMES.reorgs)).toBe(1);
    expect(await value(CHAIN_FOLLOWER_METRIC_NAMES.orphaned)).toBe(3);
  });
});
