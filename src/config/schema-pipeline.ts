/**
 * Config section for the generic connector pipeline (`ingest pipeline run`): where connector
 * manifests and fixtures live, the local event log and quarantine, dedup, and the thresholds
 * of the anomaly stages. Per-market time bounds are not here: they live in each connector.yaml.
 */
import { z } from 'zod';

const int = (): z.ZodNumber => z.number().int();
const path = (): z.ZodString => z.string().min(1);

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
        backfillAdvancesWatermarks: z
          .boolean()
          .default(false)
          .describe('May backfilled records advance per-partition watermarks (false keeps live lag honest).'),
      })
      .strict()
      .prefault({})
      .describe('Local file event log: segments, sparse index and fsync policy; watermark policy.'),
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
