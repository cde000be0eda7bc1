/**
 * The kafkajs client of distributed mode. The broker connection (brokers, TLS, SASL) is the
 * service's `sinks.kafka` one, passed in by the composition root; kafkajs logs go through our
 * Logger (child `distributed.kafka`), never to the console. Its retries are kafkajs' defaults
 * (unlike the sink's short client retry): a group member should ride out a broker restart.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../core/index.js';
import { kafkajsLogCreator } from '../sinks/kafka/index.js';
import type { KafkaConnection } from '../sinks/kafka/index.js';

export function distributedKafka(connection: KafkaConnection, logger: Logger): Kafka {
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    ...(connection.ssl === undefined ? {} : { ssl: connection.ssl }),
    ...(connection.sasl === undefined ? {} : { sasl: connection.sasl }),
    logLevel: logLevel.INFO,
    logCreator: kafkajsLogCreator(logger, 'distributed.kafka'),
  });
}
