/**
 * The port through which the influencer ingester shares its output with the connector
 * pipeline, so both halves feed one event stream without either importing the other: the
 * ingester (src/app) publishes into an IngesterTap, the pipeline's influencer-ingester
 * connector subscribes to it as an IngesterFeed. A record carries exactly the bytes the
 * ingester's own sinks publish — a raw fill as its RawEvent JSON (payload = the exchange's
 * fill or trade text), a signal as its contract JSON (contracts/signal.v1.schema.json) — so
 * another transport (the Kafka topic plus the raw-event store) can implement the same feed.
 * Publishing never blocks and never throws into the ingester: a listener that fails is logged
 * by its own side, the ingester does not wait for the pipeline.
 */
export const INGESTER_FEED_KINDS = ['fill', 'signal'] as const;
export type IngesterFeedKind = (typeof INGESTER_FEED_KINDS)[number];

export interface IngesterFeedRecord {
  readonly kind: IngesterFeedKind;
  /** `fill`: JSON of a RawEvent (eventType fill or trade); `signal`: the published signal JSON. */
  readonly text: string;
  /** When the ingester handed it over (ms). */
  readonly receivedAtMs: number;
}

export interface IngesterFeed {
  /** Every record from now on, in publish order; returns the unsubscribe. */
  subscribe(listener: (record: IngesterFeedRecord) => void): () => void;
}

/** In-process fan-out: the ingester publishes, any number of feed subscribers receive. */
export class IngesterTap implements IngesterFeed {
  private readonly listeners = new Set<(record: IngesterFeedRecord) => void>();
  private failures = 0;

  subscribe(listener: (record: IngesterFeedRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(record: IngesterFeedRecord): void {
    for (const fn of this.listeners) {
      try {
        fn(record);
      } catch {
        // The pipeline's problem must never become the ingester's: count it, carry on.
        this.failures++;
      }
    }
  }

  /** Listener exceptions swallowed so far (a subscriber is expected to handle its own). */
  listenerFailures(): number {
    return this.failures;
  }
}
