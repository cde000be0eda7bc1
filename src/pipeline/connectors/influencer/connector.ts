/**
 * The influencer-ingester connector: the ingester's raw fills and signals, received through
 * the core IngesterFeed port (an in-process IngesterTap the composition root hands both the
 * ingester and this factory), become INFLUENCER_FILL_V1 / INFLUENCER_SIGNAL_V1 in the same
 * normalized stream as the market data. It never reaches into the ingester's folders. The
 * ingester must never wait for the pipeline, so records are buffered up to `maxBuffered` while
 * the sink applies backpressure; beyond that they are dropped, counted and the connector
 * reports itself degraded (the ingester's own sinks still hold everything).
 */
import { z } from 'zod';
import type { IngesterFeed, Logger } from '../../../core/index.js';
import { errorMessage, parseAt } from '../../../core/index.js';
import type {
  Connector,
  ConnectorCapabilities,
  ConnectorFactory,
  ConnectorHealth,
  NormalizeResult,
  RawRecord,
  RawSink,
} from '../contract.js';
import { ingesterRecordBytes, normalizeIngesterRecord } from './normalize.js';

export const INFLUENCER_INGESTER_KIND = 'influencer-ingester';

export const InfluencerIngesterOptions = z
  .object({
    maxBuffered: z
      .number()
      .int()
      .positive()
      .default(100_000)
      .describe('Records held while the pipeline is slower than the ingester; beyond this they are dropped.'),
  })
  .strict();
export type InfluencerIngesterOptions = z.output<typeof InfluencerIngesterOptions>;

export class InfluencerIngesterConnector implements Connector {
  readonly capabilities: ConnectorCapabilities = {
    streaming: true,
    polling: false,
    expectedLatencyMs: 50,
    rateLimits: {},
    domains: ['crypto.influencer'],
    markets: ['*'],
  };
  private lastRecordAtMs: number | null = null;
  private errors = 0;
  private dropped = 0;
  private running = false;
  private stopped = false;

  constructor(
    readonly id: string,
    readonly version: string,
    private readonly feed: IngesterFeed,
    private readonly options: InfluencerIngesterOptions,
    private readonly log: Logger,
  ) {}

  normalize(raw: RawRecord): NormalizeResult {
    return normalizeIngesterRecord(raw);
  }

  health(): ConnectorHealth {
    const state = this.stopped
      ? 'stopped'
      : !this.running
        ? 'starting'
        : this.dropped > 0
          ? 'degraded'
          : 'healthy';
    return {
      state,
      ...(this.dropped > 0 ? { detail: `${this.dropped} records dropped: the pipeline fell behind` } : {}),
      lastRecordAtMs: this.lastRecordAtMs,
      errors: this.errors,
    };
  }

  /** Records dropped because the buffer was full (metrics, tests). */
  droppedRecords(): number {
    return this.dropped;
  }

  async subscribe(sink: RawSink, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.running = true;
    let buffered = 0;
    let chain: Promise<void> = Promise.resolve();
    const off = this.feed.subscribe((r) => {
      if (buffered >= this.options.maxBuffered) {
        if (this.dropped++ === 0)
          this.log.warn(
            { maxBuffered: this.options.maxBuffered },
            'pipeline behind the ingester: dropping records',
          );
        return;
      }
      buffered++;
      this.lastRecordAtMs = r.receivedAtMs;
      const raw: RawRecord = { bytes: ingesterRecordBytes(r.kind, r.text), receivedAtMs: r.receivedAtMs };
      chain = chain
        .then(() => sink.push(raw))
        .catch((err: unknown) => {
          this.errors++;
          this.log.warn({ err }, `influencer record not accepted: ${errorMessage(err)}`);
          sink.error(err);
        })
        .finally(() => void buffered--);
    });
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    off();
    await chain;
    this.stopped = true;
  }
}

/** The factory for `kind: influencer-ingester`; the composition root passes the shared feed. */
export function influencerIngesterFactory(feed: IngesterFeed): ConnectorFactory {
  return (ctx) =>
    new InfluencerIngesterConnector(
      ctx.manifest.name,
      ctx.manifest.version,
      feed,
      parseAt(InfluencerIngesterOptions, ctx.manifest.options, `options of connector ${ctx.manifest.name}`),
      ctx.logger.child({ component: 'influencer-ingester', connector: ctx.manifest.name }),
    );
}
