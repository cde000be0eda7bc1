/**
 * Metrics of the aggregation stage (issue #16), from the LogAggregator's events: vectors emitted
 * by window kind and revision (0 = early emit), too-late inputs by policy, and event-log records
 * aggregation could not decode. Same injected registry and `pipeline_` prefix as PipelineMetrics.
 */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';

export const AGGREGATION_METRIC_NAMES = Object.freeze({
  vectors: 'pipeline_aggregation_vectors_total',
  lateEvents: 'pipeline_aggregation_late_events_total',
  undecodable: 'pipeline_aggregation_undecodable_total',
} as const);

export class AggregationMetrics {
  private readonly vectorsC: Counter<'kind' | 'revision'>;
  private readonly lateC: Counter<'policy'>;
  private readonly undecodableC: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    const N = AGGREGATION_METRIC_NAMES;
    this.vectorsC = new Counter({
      name: N.vectors,
      help: 'FeatureVectors emitted, by window kind and revision (0 = early emit, PARTIAL_COVERAGE).',
      labelNames: ['kind', 'revision'],
      registers,
    });
    this.lateC = new Counter({
      name: N.lateEvents,
      help: 'Inputs older than watermark - allowed lateness: dropped, or sent to the correction path.',
      labelNames: ['policy'],
      registers,
    });
    this.undecodableC = new Counter({
      name: N.undecodable,
      help: 'Event-log records aggregation could not decode (skipped).',
      registers,
    });
  }

  readonly emitted = (e: {
    readonly kind: string;
    readonly revision: number;
    readonly count: number;
  }): void => {
    this.vectorsC.inc({ kind: e.kind, revision: String(e.revision) }, e.count);
  };

  readonly late = (e: { readonly policy: string; readonly count: number }): void => {
    this.lateC.inc({ policy: e.policy }, e.count);
  };

  readonly undecodable = (): void => {
    this.undecodableC.inc();
  };
}
