/**
 * Config section for the generic connector pipeline (`ingest pipeline run`): where connector
 * manifests and fixtures live, the local event log and quarantine, dedup, and the thresholds
 * of the anomaly stages, and the aggregation registry (per-market windows, lateness, skew and
 * staleness bounds). The ingest-side time bounds are not here: they live in each connector.yaml.
 */
import { z } from 'zod';

const int = (): z.ZodNumber => z.number().int();
const path = (): z.ZodString => z.string().min(1);

/** Per-market window settings (M0 aggregation spec); every field can be overridden per market. */
const MarketWindowSettings = z
  .object({
    originMs: int().min(0).describe('Windows align to this time (ms UTC).'),
    epochWindowMs: int().min(1).describe('Epoch length; a multiple of publishCadenceMs.'),
    publishCadenceMs: int().min(1).describe('Tick window length: bars and vectors are published per tick.'),
    allowedLatenessMs: int()
      .min(0)
      .describe('Out-of-order events this far behind the watermark are accepted.'),
    rollingWindowsMs: z
      .array(int().min(1))
      .describe('Rolling window sizes ending at each tick end; multiples of the cadence larger than it.'),
    sourcesExpected: int().min(0).describe('Sources a complete window has; fewer flags PARTIAL_COVERAGE.'),
    maxSkewMs: int()
      .min(0)
      .describe('An event time this far past its ingest time is refused (FUTURE_EVENT_TIME).'),
    maxStalenessMs: int().min(1).describe('An event ingested this long after its time counts as stale.'),
  })
  .strict();

const AggregationConfig = z
  .object({
    enabled: z.boolean().default(true).describe('Aggregate the event log into bars and feature vectors.'),
    defaults: z
      .object({
        originMs: MarketWindowSettings.shape.originMs.default(0),
        epochWindowMs: MarketWindowSettings.shape.epochWindowMs.default(3_600_000),
        publishCadenceMs: MarketWindowSettings.shape.publishCadenceMs.default(60_000),
        allowedLatenessMs: MarketWindowSettings.shape.allowedLatenessMs.default(5_000),
        rollingWindowsMs: MarketWindowSettings.shape.rollingWindowsMs.default([300_000, 900_000, 3_600_000]),
        sourcesExpected: MarketWindowSettings.shape.sourcesExpected.default(1),
        maxSkewMs: MarketWindowSettings.shape.maxSkewMs.default(5_000),
        maxStalenessMs: MarketWindowSettings.shape.maxStalenessMs.default(60_000),
      })
      .strict()
      .prefault({})
      .describe('Window settings of every market not listed in `markets`.'),
    markets: z
      .record(z.string().min(1), MarketWindowSettings.partial())
      .default({})
      .describe('Per-market overrides of `defaults`, by market_id.'),
    latePolicy: z
      .enum(['drop', 'correction'])
      .default('drop')
      .describe('Too-late events: drop and count, or route to the correction path (counted too).'),
    pollIntervalMs: int()
      .min(1)
      .default(250)
      .describe('How often the aggregator reads new event-log records.'),
    batchRecords: int().min(1).default(4096).describe('Records read per partition per poll.'),
  })
  .strict();

export const PipelineConfig = z
  .object({
    connectorsDir: path().default('connectors').describe('Directory of connectors/<name>/connector.yaml.'),
    connectors: z
      .array(z.string().min(1))
      .default([])
      .describe('Connector names to run; empty = every enabled connector the run has a factory for.'),
    dataDir: path().default('var/pipeline').describe('Local mode: event log, quarantine and dedup files.'),
    batchRecords: int().min(1).max(65_536).default(2048).describe('Raw records processed per batch.'),
    summaryIntervalMs: int().min(100).default(1000).describe('Live terminal summary period.'),
    flushIntervalMs: int().min(1).default(50).describe('A partial batch is written after this long.'),
    eventLog: z
      .object({
        backend: z
          .enum(['file', 'postgres', 'nats', 'kafka'])
          .default('file')
          .describe('Event log backend: file (local, under dataDir), postgres, nats (JetStream), kafka.'),
        retention: z
          .object({
            maxAgeMs: int()
              .min(0)
              .default(0)
              .describe('Delete records older than this in event time; 0 = keep.'),
            maxBytes: int()
              .min(0)
              .default(0)
              .describe('Keep at most this many payload bytes per partition; 0 = no cap.'),
            intervalMs: int()
              .min(1000)
              .default(60_000)
              .describe('How often retention runs (when a limit is set).'),
          })
          .strict()
          .prefault({})
          .describe('Retention by time and size, applied by the runtime on every backend.'),
        postgres: z
          .object({
            url: z
              .string()
              .min(1)
              .default('postgres://postgres@127.0.0.1:5432/postgres')
              .describe('Connection URL.'),
            table: z
              .string()
              .regex(/^[A-Za-z_][A-Za-z0-9_]{0,40}$/)
              .default('pipeline_events')
              .describe(
                'Append table; the quarantine, bronze and anomalies logs use <table>_quarantine, _bronze, _anomalies.',
              ),
            poolSize: int().min(1).max(64).default(4).describe('Connections in the pool.'),
          })
          .strict()
          .prefault({})
          .describe('backend: postgres.'),
        nats: z
          .object({
            servers: z
              .string()
              .min(1)
              .default('nats://127.0.0.1:4222')
              .describe('Comma-separated server URLs.'),
            streamPrefix: z
              .string()
              .regex(/^[A-Za-z0-9_-]+$/)
              .default('PIPELINE')
              .describe(
                'One stream per partition: <prefix>_<partition> (quarantine: <prefix>_Q_<partition>).',
              ),
            subjectPrefix: z
              .string()
              .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)
              .default('pipeline.events')
              .describe('Subjects: <prefix>.<partition> (quarantine: <prefix>.q.<partition>).'),
            duplicateWindowMs: int().min(1000).default(120_000).describe('Nats-Msg-Id dedup window.'),
            maxAgeMs: int()
              .min(0)
              .default(0)
              .describe('Server-enforced stream max_age (store time); 0 = none.'),
            maxBytes: int().min(0).default(0).describe('Server-enforced stream max_bytes; 0 = none.'),
          })
          .strict()
          .prefault({})
          .describe('backend: nats (JetStream).'),
        kafka: z
          .object({
            brokers: z
              .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'))
              .default([])
              .describe('Bootstrap brokers (host:port); empty = sinks.kafka.brokers.'),
            topic: z
              .string()
              .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)
              .default('normalized.market')
              .describe(
                'Silver events log: one topic per payload type and partition, <topic>.<payload>.v<n>.<partition> (normalized.market.trade_tick.v1.<market>).',
              ),
            quarantineTopic: z
              .string()
              .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)
              .default('ingestion.quarantine.v1')
              .describe('Quarantine log: <quarantineTopic>.<reason code>.'),
            bronzeTopic: z
              .string()
              .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)
              .default('ingestion.pipeline.raw.v1')
              .describe(
                'Bronze log: raw records of every connector in arrival order (what reprocessing replays), on the topic <bronzeTopic> itself.',
              ),
            anomaliesTopic: z
              .string()
              .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)
              .default('data.quality.anomalies.v1')
              .describe(
                'Anomalies log (copies of outlier/divergence-flagged events): <anomaliesTopic>.<partition>.',
              ),
            replicationFactor: int().min(1).default(1).describe('For the partition topics it creates.'),
            clientId: z.string().min(1).default('hl-pipeline-eventlog').describe('Kafka client id.'),
            readTimeoutMs: int()
              .min(1000)
              .default(30_000)
              .describe('Longest one read (or the id scan on open) waits for the broker.'),
          })
          .strict()
          .prefault({})
          .describe('backend: kafka.'),
        segmentBytes: int()
          .min(4096)
          .default(64 * 1024 * 1024)
          .describe('A new segment starts past this size.'),
        indexIntervalRecords: int()
          .min(1)
          .default(64)
          .describe('One sparse index entry per this many records.'),
        fsync: z
          .enum(['batch', 'flush'])
          .default('flush')
          .describe(
            'batch: fsync every append; flush: on flush/close (a process crash loses nothing, a power cut may).',
          ),
        bronze: z
          .boolean()
          .default(true)
          .describe(
            'Also keep every raw record in a bronze log (dataDir/bronze), so silver can be reprocessed.',
          ),
        anomalies: z
          .boolean()
          .default(true)
          .describe(
            'Also copy every event flagged OUTLIER_DETECTED or SOURCE_DIVERGENCE to an anomalies log (dataDir/anomalies; Kafka data.quality.anomalies.v1).',
          ),
        backfillAdvancesWatermarks: z
          .boolean()
          .default(false)
          .describe('May backfilled records advance per-partition watermarks (false keeps live lag honest).'),
      })
      .strict()
      .prefault({})
      .describe(
        'Event log: backend choice and settings, retention, file segments and fsync; watermark policy.',
      ),
    dedup: z
      .object({
        store: z
          .enum(['file', 'redis', 'memory'])
          .default('file')
          .describe(
            'Durable dedup store: file (local mode), redis (shared, uses redis.url), memory (tests).',
          ),
        lruEntries: int()
          .min(1)
          .default(200_000)
          .describe('Recent ids kept in memory in front of the store.'),
        redisKeyPrefix: z
          .string()
          .min(1)
          .default('pipeline:dedup:')
          .describe('Redis key prefix for dedup ids.'),
        ttlMs: int()
          .min(1000)
          .default(7 * 24 * 3_600_000)
          .describe('How long Redis remembers an id.'),
      })
      .strict()
      .prefault({})
      .describe('Dedup: memory LRU in front of a durable store.'),
    aggregation: AggregationConfig.prefault({}).describe(
      'Aggregation (issue #16): tick/rolling/epoch windows, FeatureVectors, outputs next to the event log.',
    ),
    validation: z
      .object({
        outlier: z
          .object({
            window: int()
              .min(2)
              .default(200)
              .describe('Rolling window of reference prices per (market, payload type).'),
            minSamples: int().min(2).default(30).describe('No outlier verdict before this many samples.'),
            zScore: z
              .number()
              .positive()
              .default(6)
              .describe('Flag OUTLIER_DETECTED beyond this many standard deviations ...'),
            minDeviationBps: z
              .number()
              .nonnegative()
              .default(50)
              .describe('... and at least this far from the mean (bps).'),
          })
          .strict()
          .prefault({})
          .describe('Outliers against rolling statistics per (market, payload type).'),
        divergence: z
          .object({
            thresholdBps: z
              .number()
              .positive()
              .default(100)
              .describe(
                'Trade price vs book mid vs mark of one market further apart than this: SOURCE_DIVERGENCE.',
              ),
            maxAgeMs: int()
              .min(1)
              .default(5000)
              .describe('Only compare prices at most this far apart in event time.'),
          })
          .strict()
          .prefault({})
          .describe('Cross-source divergence: trade price vs book mid vs mark.'),
      })
      .strict()
      .prefault({})
      .describe('Thresholds of the anomaly stages (time bounds come from connector.yaml).'),
    backfill: z
      .object({
        concurrency: int()
          .min(1)
          .max(64)
          .default(4)
          .describe('Chunks fetched at once (commits stay in order).'),
        chunkMs: int().min(1).default(3_600_000).describe('Default chunk length of a time range (ms).'),
        chunkBlocks: int().min(1).default(1000).describe('Default chunk length of a block range (blocks).'),
        maxAttempts: int().min(1).default(5).describe('Attempts per chunk fetch before the run fails.'),
      })
      .strict()
      .prefault({})
      .describe('Backfill workers (`ingest backfill`): chunking, concurrency, retries.'),
  })
  .strict();
export type PipelineConfig = z.output<typeof PipelineConfig>;
