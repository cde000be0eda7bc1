/**
 * Config of distributed mode's Kafka side (issue #17): the bronze topic between listeners and
 * processors, the listener groups' coordination topic, group ids, and the hand-off sink's
 * batching. Meant to sit at `distributed.kafka` in the service config (the composition root
 * hooks it in); the broker connection (brokers, TLS, SASL) is the `sinks.kafka` one. Every
 * default of src/distributed lives here and nowhere else.
 */
import { z } from 'zod';

const int = (): z.ZodNumber => z.number().int();
const topic = (): z.ZodString =>
  z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, . _ -)');

const GroupTimings = {
  sessionTimeoutMs: int()
    .min(3000)
    .default(10_000)
    .describe('A member silent this long is dropped and its partitions move (bounds takeover time).'),
  heartbeatIntervalMs: int()
    .min(100)
    .default(1000)
    .describe('Heartbeat period; well under a third of sessionTimeoutMs.'),
  rebalanceTimeoutMs: int()
    .min(1000)
    .default(15_000)
    .describe('How long the coordinator waits for members to rejoin during a rebalance.'),
};

export const DistributedKafkaConfig = z
  .object({
    groupIdPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .default('hl-ingest')
      .describe('Consumer groups are `<prefix>-processors` and `<prefix>-listeners-A` / `-B`.'),
    createTopics: z
      .boolean()
      .default(false)
      .describe('Create the bronze and coordination topics when missing (else they must exist).'),
    replicationFactor: int().min(1).default(3).describe('Replication factor of topics the service creates.'),
    bronze: z
      .object({
        topic: topic()
          .default('ingestion.hyperliquid.raw.v1')
          .describe('Bronze topic, keyed by influencer id.'),
        partitions: int()
          .min(1)
          .default(24)
          .describe('Partitions when created: the processor tier scales to this many.'),
        lingerMs: int()
          .min(0)
          .max(1000)
          .default(2)
          .describe('The sink waits this long to batch records into one send (latency vs. requests).'),
        maxBatchRecords: int().min(1).default(500).describe('At most this many records per send.'),
        queueMaxRecords: int()
          .min(1)
          .default(100_000)
          .describe(
            'Records waiting in the sink; beyond it new records are refused and counted (publish never blocks a listener).',
          ),
        retryInitialDelayMs: int()
          .min(1)
          .default(100)
          .describe('First wait before re-sending a failed batch.'),
        retryMaxDelayMs: int()
          .min(1)
          .default(5000)
          .describe(
            'Longest wait between re-sends; a failed batch is retried until it is acked or the sink closes.',
          ),
        closeFlushTimeoutMs: int()
          .min(0)
          .default(10_000)
          .describe(
            'At close, wait this long for queued records to be acked; what is left is logged and counted as lost.',
          ),
        maxUnackedPerPartition: int()
          .min(1)
          .default(10_000)
          .describe(
            'Processor: a partition with this many delivered-but-unacked records is paused until acks catch up.',
          ),
        commitIntervalMs: int()
          .min(0)
          .default(50)
          .describe(
            'Processor: at most one offset commit per this period (acked offsets only); 0 = after every ack.',
          ),
        producerRetries: int()
          .min(1)
          .default(5)
          .describe("kafkajs retries within one send before the sink's own retry takes over."),
        ...GroupTimings,
      })
      .strict()
      .prefault({})
      .describe('Bronze topic, its producer (listeners) and its consumer group (processors).'),
    coordination: z
      .object({
        topic: topic()
          .default('ingest.listeners.coordination.v1')
          .describe('Coordination topic: influencers hash to its partitions; no data is written to it.'),
        partitions: int()
          .min(1)
          .default(64)
          .describe(
            'Partitions when created: the unit a listener group moves in a rebalance. Changing it remaps influencers.',
          ),
        ...GroupTimings,
      })
      .strict()
      .prefault({})
      .describe('Listener groups A and B sharing the coordination topic (sticky assignment).'),
  })
  .strict();
export type DistributedKafkaConfig = z.infer<typeof DistributedKafkaConfig>;
