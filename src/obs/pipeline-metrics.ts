/**
 * Metrics of the generic connector pipeline (M0 §12), on the same injected registry as the
 * ingester's. Names are the spec's with a `pipeline_` prefix; latencies stay in milliseconds as
 * the spec names them (`ingest_lag_ms`). Each method takes the pipeline event it maps, as an
 * arrow property for `events.on(...)`. Label children are cached: `ingested` runs per event.
 * The watermark gauges are the exception: they read the persisted watermark state at scrape time
 * (`readWatermarks`), because lag grows with the clock while no event arrives.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export const PIPELINE_METRIC_NAMES = Object.freeze({
  eventsIngested: 'pipeline_events_ingested_total',
  eventsQuarantined: 'pipeline_events_quarantined_total',
  dedupHits: 'pipeline_dedup_hits_total',
  ingestLag: 'pipeline_ingest_lag_ms',
  connectorErrors: 'pipeline_connector_errors_total',
  connectorPollLatency: 'pipeline_connector_poll_latency_ms',
  watermark: 'pipeline_watermark_event_time_ms',
  watermarkLag: 'pipeline_watermark_lag_ms',
  sourceDivergence: 'pipeline_source_divergence_count',
  catchUps: 'pipeline_connector_catchups_total',
  catchUpRecovered: 'pipeline_connector_catchup_recovered_total',
} as const);

/** ms: 1 ms .. 10 min, roughly 2.5x apart (lag can be minutes for a replay or backfill). */
export const PIPELINE_MS_BUCKETS: readonly number[] = Object.freeze([
  1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 600_000,
]);

/** The watermark state the gauges read (structural: the pipeline's WatermarkStore; obs never imports it). */
export interface WatermarkSource {
  all(): readonly { readonly partition: string; readonly eventTimeMs: number }[];
  /** now − the partition's event-time watermark; undefined before its first event. */
  lagMs(partition: string): number | undefined;
}

export class PipelineMetrics {
  private readonly ingestedC: Counter<'connector' | 'payload_type'>;
  private readonly quarantinedC: Counter<'reason' | 'connector'>;
  private readonly dedupC: Counter<'connector'>;
  private readonly lagH: Histogram<'connector'>;
  private readonly errorsC: Counter<'connector'>;
  private readonly pollH: Histogram<'connector'>;
  private readonly watermarkG: Gauge<'partition'>;
  private readonly watermarkLagG: Gauge<'partition'>;
  private watermarkSource: WatermarkSource | undefined;
  private readonly divergenceC: Counter<'market' | 'kind' | 'against'>;
  private readonly catchUpC: Counter<'connector' | 'channel' | 'complete'>;
  private readonly recoveredC: Counter<'connector' | 'channel'>;
  private readonly children = new Map<string, { inc(): void }>();
  private readonly lagChildren = new Map<string, { observe(v: number): void }>();

  constructor(registry: Registry) {
    const registers = [registry];
    const N = PIPELINE_METRIC_NAMES;
    this.ingestedC = new Counter({
      name: N.eventsIngested,
      help: 'Normalized events written to the event log.',
      labelNames: ['connector', 'payload_type'],
      registers,
    });
    this.quarantinedC = new Counter({
      name: N.eventsQuarantined,
      help: 'Records quarantined, by reason code.',
      labelNames: ['reason', 'connector'],
      registers,
    });
    this.dedupC = new Counter({
      name: N.dedupHits,
      help: 'Duplicate events dropped by dedup or the idempotent log.',
      labelNames: ['connector'],
      registers,
    });
    this.lagH = new Histogram({
      name: N.ingestLag,
      help: 'ingest_time_ms - event_time_ms of written events.',
      labelNames: ['connector'],
      buckets: [...PIPELINE_MS_BUCKETS],
      registers,
    });
    this.errorsC = new Counter({
      name: N.connectorErrors,
      help: 'Connector failures (each retry counts).',
      labelNames: ['connector'],
      registers,
    });
    this.pollH = new Histogram({
      name: N.connectorPollLatency,
      help: 'Duration of one poll() call.',
      labelNames: ['connector'],
      buckets: [...PIPELINE_MS_BUCKETS],
      registers,
    });
    const marks = (): readonly { readonly partition: string; readonly eventTimeMs: number }[] =>
      this.watermarkSource?.all() ?? [];
    this.watermarkG = new Gauge({
      name: N.watermark,
      help: 'Event-time watermark (highest event_time_ms written) per event-log partition, as persisted.',
      labelNames: ['partition'],
      registers,
      collect: () => {
        for (const w of marks()) this.watermarkG.labels(w.partition).set(w.eventTimeMs);
      },
    });
    this.watermarkLagG = new Gauge({
      name: N.watermarkLag,
      help: 'Now minus the persisted event-time watermark, per event-log partition (grows while it is silent).',
      labelNames: ['partition'],
      registers,
      collect: () => {
        for (const w of marks()) {
          const lag = this.watermarkSource?.lagMs(w.partition);
          if (lag !== undefined) this.watermarkLagG.labels(w.partition).set(lag);
        }
      },
    });
    this.divergenceC = new Counter({
      name: N.sourceDivergence,
      help: 'Events flagged SOURCE_DIVERGENCE.',
      labelNames: ['market', 'kind', 'against'],
      registers,
    });
    this.catchUpC = new Counter({
      name: N.catchUps,
      help: 'Connector catch-ups after a broken stream (complete=false: the source could not give back the whole gap).',
      labelNames: ['connector', 'channel', 'complete'],
      registers,
    });
    this.recoveredC = new Counter({
      name: N.catchUpRecovered,
      help: 'Events recovered by connector catch-ups.',
      labelNames: ['connector', 'channel'],
      registers,
    });
  }

  readonly ingested = (e: { connectorId: string; payloadType: string; lagMs: number }): void => {
    const key = `${e.connectorId}\u0000${e.payloadType}`;
    let c = this.children.get(key);
    if (c === undefined) this.children.set(key, (c = this.ingestedC.labels(e.connectorId, e.payloadType)));
    c.inc();
    let h = this.lagChildren.get(e.connectorId);
    if (h === undefined) this.lagChildren.set(e.connectorId, (h = this.lagH.labels(e.connectorId)));
    h.observe(Math.max(0, e.lagMs));
  };

  readonly quarantined = (e: { connectorId: string; reason: string }): void => {
    this.quarantinedC.labels(e.reason, e.connectorId).inc();
  };

  readonly duplicate = (e: { connectorId: string }): void => {
    this.dedupC.labels(e.connectorId).inc();
  };

  readonly connectorError = (e: { connectorId: string }): void => {
    this.errorsC.labels(e.connectorId).inc();
  };

  readonly pollLatency = (e: { connectorId: string; ms: number }): void => {
    this.pollH.labels(e.connectorId).observe(e.ms);
  };

  /** The watermark gauges read this state at each scrape: the same state the store persists. */
  readWatermarks(source: WatermarkSource): void {
    this.watermarkSource = source;
  }

  readonly divergence = (e: { marketId: string; kind: string; against: string }): void => {
    this.divergenceC.labels(e.marketId, e.kind, e.against).inc();
  };

  readonly catchUp = (e: {
    connectorId: string;
    channel: string;
    recovered: number;
    complete: boolean;
  }): void => {
    this.catchUpC.labels(e.connectorId, e.channel, String(e.complete)).inc();
    this.recoveredC.labels(e.connectorId, e.channel).inc(e.recovered);
  };
}
