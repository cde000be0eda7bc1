/**
 * What the pipeline tells the outside world (metrics, logs, the live summary): one typed
 * event per fact. Metrics subscribe to these; no stage calls prom-client.
 */
import type { QuarantineReason } from '../quarantine/index.js';
import type { Divergence } from '../validation/index.js';

export interface IngestedEvent {
  readonly connectorId: string;
  readonly payloadType: string;
  readonly partition: string;
  readonly eventTimeMs: number;
  /** ingest time − event time. */
  readonly lagMs: number;
}

export interface QuarantinedEvent {
  readonly connectorId: string;
  readonly connectorVersion: string;
  readonly reason: QuarantineReason;
  readonly detail: string;
  readonly flags: number;
  readonly marketId?: string;
  readonly eventId?: string;
}

export interface PipelineEvents {
  ingested: IngestedEvent;
  quarantined: QuarantinedEvent;
  /** flags include DUPLICATE_EVENT. */
  duplicate: {
    readonly connectorId: string;
    readonly eventId: string;
    readonly marketId: string;
    readonly flags: number;
  };
  divergence: Divergence & { readonly connectorId: string; readonly eventId: string };
  watermark: { readonly partition: string; readonly eventTimeMs: number };
  connectorError: { readonly connectorId: string; readonly error: unknown };
  pollLatency: { readonly connectorId: string; readonly ms: number };
  catchUp: {
    readonly connectorId: string;
    readonly channel: string;
    readonly recovered: number;
    readonly complete: boolean;
  };
}
