/**
 * The kafkajs client of distributed mode. The broker connection (brokers, TLS, SASL) is the
 * service's `sinks.kafka` one, passed in by the composition root; kafkajs logs go through our
 * Logger (child `distributed.kafka`), never to the console.
 */
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import type { LogEntry, SASLOptions } from 'kafkajs';
import type { Logger } from '../core/index.js';

export interface DistributedKafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: SASLOptions;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function distributedKafka(connection: DistributedKafkaConnection, logger: Logger): Kafka {
  const log = logger.child({ component: 'distributed.kafka' });
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    ...(connection.ssl === undefined ? {} : { ssl: connection.ssl }),
    ...(connection.sasl === undefined ? {} : { sasl: connection.sasl }),
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry): void => {
        const method = LEVELS[level] ?? 'debug';
        if (!log.isLevelEnabled(method)) return;
        const { message, ...rest } = entry;
        log[method]({ ...rest, namespace }, message);
      },
  });
}
