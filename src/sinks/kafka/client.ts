/**
 * The only file that constructs kafkajs objects. It narrows kafkajs to the three calls we make
 * (ProducerLike, AdminLike) so the publisher logic can be tested with fakes and kafkajs could
 * be swapped for another client here alone. Connection options (brokers, TLS, SASL, timeouts)
 * pass through unchanged from src/config via the composition root.
 */
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import type { LogEntry, SASLOptions } from 'kafkajs';
import type { Logger } from '../../core/index.js';
import { rememberingPartitioner } from './partitioner.js';

export interface KafkaMessageOut {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface ProducerLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(request: { topic: string; acks: number; messages: KafkaMessageOut[] }): Promise<unknown>;
}

export interface AdminLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  createTopics(request: {
    topics: { topic: string; numPartitions: number; replicationFactor: number }[];
    waitForLeaders: boolean;
  }): Promise<boolean>;
  describeCluster(): Promise<unknown>;
  /** Partition count per topic (partition-sends.ts); optional so fakes may leave it out. */
  fetchTopicMetadata?(request: {
    topics: string[];
  }): Promise<{ topics: { name: string; partitions: readonly unknown[] }[] }>;
}

/**
 * Connects a producer or admin; when that fails, or `wanted` says it is no longer needed (its
 * owner closed meanwhile), disconnects it and throws, so no connection is left behind.
 */
export async function connectOrDispose<T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(
  client: T,
  wanted: () => boolean = () => true,
): Promise<T> {
  try {
    await client.connect();
    if (!wanted()) throw new Error('closed while connecting');
  } catch (err) {
    await client.disconnect().catch(() => undefined);
    throw err;
  }
  return client;
}

/** Makes fresh producers and admins; tests pass a fake. */
export interface KafkaClientFactory {
  producer(): ProducerLike;
  admin(): AdminLike;
}

export interface KafkaConnectionOptions {
  readonly brokers: readonly string[];
  /** Default `hl-influencer-ingest`. */
  readonly clientId?: string;
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: SASLOptions;
  /** TCP connect timeout. Default 3000 ms. */
  readonly connectionTimeoutMs?: number;
  /** Per-request timeout. Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /**
   * kafkajs' own retries inside one send(). Default 5 (about 10 s with the default backoff):
   * kafkajs' idempotent default is "forever", which would hang a send for a whole broker outage
   * instead of letting the DurableQueue spill to disk. kafkajs warns that this "may invalidate
   * EoS"; it does not here, because the failed batch is re-sent unchanged on the same producer.
   * At least 1 (kafkajs refuses an idempotent producer without retries).
   */
  readonly producerRetries?: number;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs logs through our Logger (a child named `component`), never to the console. */
export function kafkajsLogCreator(logger: Logger, component = 'sink.kafka.client') {
  const log = logger.child({ component });
  return () =>
    ({ namespace, level, log: entry }: LogEntry): void => {
      const method = LEVELS[level] ?? 'debug';
      if (!log.isLevelEnabled(method)) return;
      const { message, ...rest } = entry;
      log[method]({ ...rest, namespace }, message);
    };
}

/**
 * kafkajs' client-level retry, used when a producer or admin connects and for admin requests.
 * Its default (5 retries up to 30 s apart) repeats what the DurableQueue in front already does
 * with its own backoff, and it cannot be cancelled: a connect still retrying against a broker
 * that is down kept a retry timer pending after `stopped`, so SIGTERM waited for the
 * after-stop guard (issue 20). Two quick retries cover a broker restart's blip; the queue
 * retries the rest.
 */
const CLIENT_RETRY = { retries: 2, initialRetryTime: 200, maxRetryTime: 1000 } as const;

export function kafkajsFactory(options: KafkaConnectionOptions, logger: Logger): KafkaClientFactory {
  const kafka = new Kafka({
    clientId: options.clientId ?? 'hl-influencer-ingest',
    retry: { ...CLIENT_RETRY },
    brokers: [...options.brokers],
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.INFO,
    logCreator: kafkajsLogCreator(logger),
  });
  return {
    producer: () =>
      kafka.producer({
        idempotent: true,
        // An idempotent producer has one request per broker in flight whatever this says (kafkajs'
        // per-broker lock); a batch is one request per partition leader (partition-sends.ts).
        // Order holds: TopicProducer serialises sends.
        maxInFlightRequests: 16,
        allowAutoTopicCreation: false,
        // The default partitioner's placement, each key hashed once (partitioner.ts).
        createPartitioner: rememberingPartitioner,
        // kafkajs refuses an idempotent producer with 0 retries.
        retry: {
          retries: Math.max(1, options.producerRetries ?? 5),
          initialRetryTime: 300,
          maxRetryTime: 5000,
        },
      }) as unknown as ProducerLike,
    admin: () => kafka.admin() as unknown as AdminLike,
  };
}
