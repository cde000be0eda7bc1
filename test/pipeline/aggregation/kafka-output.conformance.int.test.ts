// The Kafka output runs the shared AggregationOutput cases against the test broker: each case
// gets its own three topics, read back from the beginning by a fresh consumer group.
import { silentLogger } from '../../../src/core/index.js';
import { KafkaAggregationOutput } from '../../../src/pipeline/aggregation/index.js';
import { kafkajsFactory } from '../../../src/sinks/kafka/index.js';
import { services, uniqueName } from '../../harness/index.js';
import { readTopic } from '../../sinks/int-helpers.js';
import { aggregationOutputConformance, readBar } from './output-conformance.js';

aggregationOutputConformance({
  name: 'KafkaAggregationOutput',
  timeoutMs: 120_000,
  async open() {
    const topics = {
      bars: uniqueName('agg_conf_bars'),
      rolling: uniqueName('agg_conf_rolling'),
      vectors: uniqueName('agg_conf_vectors'),
    };
    const factory = kafkajsFactory({ brokers: services().kafka.brokers }, silentLogger);
    const admin = factory.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })),
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    const producer = factory.producer();
    await producer.connect();
    return {
      output: new KafkaAggregationOutput(producer, topics),
      async read() {
        // Everything up to each partition's high watermark (sends were acked with acks=-1).
        const vectors = await readTopic(topics.vectors, 0);
        const bars = await readTopic(topics.bars, 0);
        return {
          vectorHex: vectors.map((m) => String((JSON.parse(m.value) as { vector_hex: string }).vector_hex)),
          bars: bars.map((m) => readBar(JSON.parse(m.value) as Record<string, unknown>)),
        };
      },
    };
  },
});
