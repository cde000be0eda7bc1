/**
 * Metrics of the EVM chain-tip follower (issue #15), from its facts: lag in blocks (head − cursor
 * tip) as a gauge, reorgs and orphaned blocks as counters, per connector. Same injected registry
 * and `pipeline_` prefix as PipelineMetrics. The fact shapes are structural so obs never imports
 * the pipeline.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export const CHAIN_FOLLOWER_METRIC_NAMES = Object.freeze({
  lag: 'pipeline_chain_follower_lag_blocks',
  reorgs: 'pipeline_chain_follower_reorgs_total',
  orphaned: 'pipeline_chain_follower_orphaned_blocks_total',
} as const);

export type ChainFollowerFact =
  | { readonly kind: 'progress'; readonly head: number; readonly tip: number; readonly lag: number }
  | { readonly kind: 'reorg'; readonly depth: number; readonly ancestor: number };

export class ChainFollowerMetrics {
  private readonly lagG: Gauge<'connector'>;
  private readonly reorgC: Counter<'connector'>;
  private readonly orphanedC: Counter<'connector'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const N = CHAIN_FOLLOWER_METRIC_NAMES;
    this.lagG = new Gauge({
      name: N.lag,
      help: 'Chain head minus the follower cursor tip, in blocks.',
      labelNames: ['connector'],
      registers,
    });
    this.reorgC = new Counter({
      name: N.reorgs,
      help: 'Reorgs the follower walked back.',
      labelNames: ['connector'],
      registers,
    });
    this.orphanedC = new Counter({
      name: N.orphaned,
      help: 'Blocks invalidated by reorgs.',
      labelNames: ['connector'],
      registers,
    });
  }

  /** A listener for one connector's follower: `follower.onFact(metrics.listener('hyperevm'))`. */
  listener(connector: string): (f: ChainFollowerFact) => void {
    const lag = this.lagG.labels(connector);
    const reorgs = this.reorgC.labels(connector);
    const orphaned = this.orphanedC.labels(connector);
    return (f) => {
      if (f.kind === 'progress') lag.set(f.lag);
      else {
        reorgs.inc();
        orphaned.inc(f.depth);
      }
    };
  }
}
