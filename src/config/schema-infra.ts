/**
 * Config sections for the outputs and the infrastructure around the pipeline: Kafka, ClickHouse,
 * local files, the spool, Redis, the HTTP endpoints, logging, tracing and metrics. Secret fields
 * (passwords) are declared here but may only be filled from the environment (see secrets.ts).
 */
import { z } from 'zod';

const int = (): z.ZodNumber => z.number().int();
const path = (): z.ZodString => z.string().min(1);

const TlsFiles = {
  caFile: path().optional().describe('PEM CA bundle file to trust.'),
  rejectUnauthorized: z
    .boolean()
    .default(true)
    .describe('Verify the server certificate (turn off only for tests).'),
};

export const KafkaConfig = z
  .object({
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'))
      .default([])
      .describe('Kafka bootstrap brokers (host:port). The Kafka sink is on when this is non-empty.'),
    clientId: z.string().min(1).default('hl-influencer-ingest').describe('Kafka client id.'),
    topic: z.string().min(1).default('influencer_signals').describe('Signal topic.'),
    dlqTopic: z.string().min(1).default('influencer_signals.dlq').describe('Dead-letter topic.'),
    partitions: int().min(1).default(12).describe('Partitions when the service creates the topics.'),
    replicationFactor: int()
      .min(1)
      .default(3)
      .describe('Replication factor when the service creates the topics.'),
    createTopics: z.boolean().default(false).describe('Create missing topics at start-up.'),
    sendThread: z
      .boolean()
      .default(true)
      .describe(
        'Run the signal queue and its producers on a worker thread of their own, so a produce response is read when it lands instead of after the pipeline is through its current burst. false: on the main thread.',
      ),
    maxMessageBytes: int()
      .min(1024)
      .default(1_000_000)
      .describe(
        "Bigger messages are dead-lettered before sending; keep at or below the topics' max.message.bytes (Kafka: ~1 MiB).",
      ),
    sasl: z
      .object({
        mechanism: z
          .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
          .default('scram-sha-512')
          .describe('SASL mechanism.'),
        username: z.string().min(1).describe('SASL user.'),
        password: z
          .string()
          .min(1)
          .optional()
          .describe(
            'SASL password: secret, only from INGEST_KAFKA_SASL_PASSWORD or INGEST_KAFKA_SASL_PASSWORD_FILE.',
          ),
      })
      .strict()
      .optional()
      .describe('SASL authentication; absent = none.'),
    tls: z
      .object({
        enabled: z.boolean().default(false).describe('Connect with TLS.'),
        ...TlsFiles,
        certFile: path().optional().describe('PEM client certificate file (mutual TLS).'),
        keyFile: path().optional().describe('PEM client key file (mutual TLS).'),
      })
      .strict()
      .prefault({})
      .describe('TLS to the brokers.'),
  })
  .strict();
export type KafkaConfig = z.infer<typeof KafkaConfig>;

export const ClickhouseConfig = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .optional()
      .describe('ClickHouse HTTP URL. The raw-event store is on when this is set.'),
    username: z.string().min(1).default('default').describe('ClickHouse user.'),
    password: z
      .string()
      .optional()
      .describe('Secret, only from INGEST_CLICKHOUSE_PASSWORD or INGEST_CLICKHOUSE_PASSWORD_FILE.'),
    database: z.string().min(1).default('hl_ingest').describe('Database for the raw-event tables.'),
    tls: z.object(TlsFiles).strict().prefault({}).describe('TLS settings for an https:// URL.'),
    batch: z
      .object({
        maxRows: int()
          .min(1)
          .default(5000)
          .describe(
            'Rows per insert. The raw-events queue keeps room for four such batches in memory and spills to the spool past two (spool.memoryRecords / spillThresholdRecords when larger): rows keep coming while an insert runs.',
          ),
        maxIntervalMs: int().min(1).default(1000).describe('Longest a row waits before its batch is sent.'),
      })
      .strict()
      .prefault({})
      .describe('Insert batching.'),
  })
  .strict();
export type ClickhouseConfig = z.infer<typeof ClickhouseConfig>;

export const LocalSinkConfig = z
  .object({
    enabled: z.boolean().default(true).describe('Write signals.ndjson, raw.ndjson and dlq.ndjson under dir.'),
    dir: path().default('var/ingest').describe('Directory of the local NDJSON files.'),
    printSignals: z.boolean().default(false).describe('Also print each signal to stdout.'),
  })
  .strict();
export type LocalSinkConfig = z.infer<typeof LocalSinkConfig>;

/**
 * `never`: when memory and spool are full, processing waits (back-pressure);
 * `drop`: new records are dropped and counted instead.
 */
const Shed = z.enum(['never', 'drop']);
export const SpoolConfig = z
  .object({
    dir: path().default('var/spool').describe('Directory for records a sink could not take yet.'),
    memoryRecords: int()
      .min(1)
      .default(10_000)
      .describe(
        'Records waiting in memory per sink queue (a batch being sent is not counted); beyond it enqueue waits (or drops, per shed).',
      ),
    spillThresholdRecords: int()
      .min(1)
      .default(5000)
      .describe(
        "Buffered records past which a queue writes to the fsync'd spool (it also spills as soon as its sink fails). Half of memoryRecords: at 2 000 signals/s a half-second broker hiccup must not switch to the spool, whose way back costs seconds of latency; what is in memory at a crash is re-derived from the ack-gated cursors (signals) and the REST backfill (raw events).",
      ),
    maxBytes: int()
      .min(1)
      .default(1024 * 1024 * 1024)
      .describe('Disk cap per sink; what happens beyond it is the shed policy.'),
    shed: z
      .object({
        signals: Shed.default('never').describe('Signals: never shed (back-pressure instead) by default.'),
        raw: Shed.default('drop').describe(
          'Raw events: drop new ones (counted) when memory and spool are full.',
        ),
        deadLetters: Shed.default('drop').describe(
          'Dead letters: drop new ones (counted) when memory and spool are full.',
        ),
      })
      .strict()
      .prefault({})
      .describe('Per-sink policy when the spool is full.'),
  })
  .strict();
export type SpoolConfig = z.infer<typeof SpoolConfig>;

export const SinksConfig = z
  .object({
    kafka: KafkaConfig.prefault({}).describe('Kafka signal publisher.'),
    clickhouse: ClickhouseConfig.prefault({}).describe('ClickHouse raw-event store.'),
    local: LocalSinkConfig.prefault({}).describe('Local NDJSON files (the default for npm start).'),
    spool: SpoolConfig.prefault({}).describe('Durable buffer in front of the sinks.'),
    poison: z
      .enum(['dead-letter', 'stall'])
      .default('dead-letter')
      .describe(
        'A record a sink refuses for good: dead-letter it (sink_rejected; DLQ refusals to poison.ndjson) or stall on it.',
      ),
    poisonMaxPerMinute: int()
      .min(1)
      .default(20)
      .describe(
        'Per queue: more refused records than this in a minute means the sink refuses everything (schema, topic), so the queue stalls instead.',
      ),
  })
  .strict();
export type SinksConfig = z.infer<typeof SinksConfig>;

export const RedisConfig = z
  .object({
    url: z
      .url({ protocol: /^rediss?$/, error: 'expected a redis:// or rediss:// URL' })
      .default('redis://127.0.0.1:6379')
      .describe('Redis URL (influencers, optional dedup).'),
    username: z.string().min(1).optional().describe('Redis ACL user.'),
    password: z
      .string()
      .optional()
      .describe('Secret, only from INGEST_REDIS_PASSWORD or INGEST_REDIS_PASSWORD_FILE.'),
    tls: z
      .object({ enabled: z.boolean().default(false).describe('Connect with TLS.'), ...TlsFiles })
      .strict()
      .prefault({})
      .describe('TLS to Redis (a rediss:// URL also turns it on).'),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9:_.-]*$/, 'expected letters, digits, : _ . -')
      .default('ingest:')
      .describe('Prefix of every key this service and its CLI use.'),
  })
  .strict();
export type RedisConfig = z.infer<typeof RedisConfig>;

export const HttpConfig = z
  .object({
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe(
        'Interface for /metrics, /health and /status; containers set 0.0.0.0 so probes and scrapers reach it.',
      ),
    port: int().min(0).max(65535).default(9464).describe('Port for /metrics, /health and /status; 0 = any.'),
    token: z
      .string()
      .min(16, 'expected at least 16 characters')
      .optional()
      .describe(
        'Bearer token for /status.json and /log-level; secret, only from INGEST_HTTP_TOKEN[_FILE]. Unset: loopback clients only.',
      ),
  })
  .strict();
export type HttpConfig = z.infer<typeof HttpConfig>;

export const LogConfig = z
  .object({
    level: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .default('info')
      .describe('Minimum log level.'),
    pretty: z.boolean().default(false).describe('Human-readable logs instead of JSON lines.'),
  })
  .strict();
export type LogConfig = z.infer<typeof LogConfig>;

export const TracingConfig = z
  .object({
    exporter: z.enum(['none', 'otlp']).default('none').describe('Trace exporter.'),
    endpoint: z
      .url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' })
      .optional()
      .describe('OTLP endpoint (required when exporter is otlp).'),
    serviceName: z
      .string()
      .min(1)
      .default('hl-influencer-ingest')
      .describe('service.name resource attribute.'),
  })
  .strict();
export type TracingConfig = z.infer<typeof TracingConfig>;

export const MetricsConfig = z
  .object({
    perInfluencerLabels: z
      .boolean()
      .default(true)
      .describe('Label per-influencer metrics with the influencer id (turn off for very many influencers).'),
  })
  .strict();
export type MetricsConfig = z.infer<typeof MetricsConfig>;
