/**
 * The hand-off factory of `ingest run` (issue #17): the ends of the durable hand-off a
 * `listeners` or `processor` process needs (AppOptions.handoff). Role `all` needs none (the
 * App builds its in-process hand-off). The Kafka adapters live in src/distributed/; the broker
 * connection (brokers, TLS, SASL) is the service's `sinks.kafka` one, so a deployment
 * configures Kafka once.
 */
import type { HandoffSeam } from '../../app/index.js';
import type { Logger } from '../../core/index.js';
import { IngestError } from '../../core/index.js';
import type { ServiceConfig } from '../../config/index.js';

/**
 * The distributed module and its kafkajs client on the service's `sinks.kafka` connection (TLS,
 * SASL). Loaded only when asked for, like the Kafka sink: role `all` never pays for it.
 */
export async function distributedKafkaOf(config: ServiceConfig, logger: Logger, clientId: string) {
  const d = await import('../../distributed/index.js');
  const sinks = await import('../../sinks/kafka/index.js');
  const kafka = d.distributedKafka(await sinks.kafkaConnection(config.sinks.kafka, clientId), logger);
  return { d, kafka };
}

export async function distributedHandoff(
  config: ServiceConfig,
  logger: Logger,
): Promise<HandoffSeam | undefined> {
  if (config.distributed.handoff !== 'kafka') return undefined;
  const k = config.sinks.kafka;
  if (k.brokers.length === 0)
    throw new IngestError(
      'CONFIG_INVALID',
      `distributed.role ${config.distributed.role} hands records over Kafka: set sinks.kafka.brokers (INGEST_KAFKA_BROKERS)`,
      { context: { setting: 'sinks.kafka.brokers' } },
    );
  const { role, listenerGroup } = config.distributed;
  const { d, kafka } = await distributedKafkaOf(
    config,
    logger,
    `${k.clientId}-${role}${role === 'listeners' ? `-${listenerGroup}` : ''}`,
  );
  const dk = config.distributed.kafka;
  if (role === 'processor') return { source: d.createKafkaHandoffSource({ kafka, config: dk, logger }) };
  const sink = d.createKafkaHandoffSink({ kafka, config: dk, logger });
  // The sink creates or checks its topic before the first record; a broker refusing it is a
  // start-up failure with the broker's reason, not a silent queue.
  await sink.start();
  const ownership = d.createKafkaListenerOwnership({
    kafka,
    config: dk,
    logger,
    group: listenerGroup,
    influencers: [],
  });
  return { sink, ownership };
}
