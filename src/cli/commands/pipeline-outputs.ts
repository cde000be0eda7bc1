/**
 * Aggregation outputs of `ingest pipeline run` beyond the local file log: Kafka (the three
 * aggregation topics) when sinks.kafka.brokers is set, ClickHouse gold tables when
 * sinks.clickhouse.url is set — the same switches the ingester's sinks use.
 */
import type { Logger } from '../../core/index.js';
import type { DeepReadonly, ServiceConfig } from '../../config/index.js';
import type { AggregationOutput } from '../../pipeline/aggregation/index.js';
import {
  AGGREGATION_TOPICS,
  ClickHouseGoldOutput,
  KafkaAggregationOutput,
} from '../../pipeline/aggregation/index.js';

export async function aggregationOutputs(
  config: DeepReadonly<ServiceConfig>,
  logger: Logger,
): Promise<{ outputs: AggregationOutput[]; describe: string[] }> {
  const outputs: AggregationOutput[] = [];
  const describe: string[] = [];
  const k = config.sinks.kafka;
  if (k.brokers.length > 0) {
    const kafka = await import('../../sinks/kafka/index.js');
    const factory = kafka.kafkajsFactory(await kafka.kafkaConnection(k), logger);
    if (k.createTopics) {
      const admin = factory.admin();
      await admin.connect();
      try {
        const have = new Set(await admin.listTopics());
        const topics = Object.values(AGGREGATION_TOPICS)
          .filter((t) => !have.has(t))
          .map((topic) => ({ topic, numPartitions: k.partitions, replicationFactor: k.replicationFactor }));
        if (topics.length > 0) await admin.createTopics({ topics, waitForLeaders: true });
      } finally {
        await admin.disconnect();
      }
    }
    const producer = factory.producer();
    await producer.connect();
    outputs.push(new KafkaAggregationOutput(producer));
    describe.push(`aggregation -> kafka ${Object.values(AGGREGATION_TOPICS).join(', ')}`);
  }
  const ch = config.sinks.clickhouse;
  if (ch.url !== undefined) {
    const { httpClickHouse } = await import('../../sinks/clickhouse/index.js');
    const gold = new ClickHouseGoldOutput(
      httpClickHouse({
        url: ch.url,
        username: ch.username,
        ...(ch.password === undefined ? {} : { password: ch.password }),
        database: ch.database,
      }),
      logger,
    );
    await gold.ensureSchema();
    outputs.push(gold);
    describe.push(`aggregation -> clickhouse gold tables in ${ch.database}`);
  }
  return { outputs, describe };
}
