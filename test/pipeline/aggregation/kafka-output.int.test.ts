/**
 * Aggregation to real Kafka: the golden vectors written through KafkaAggregationOutput arrive on
 * the bars, rolling-metrics and vectors topics keyed by window key, and each vectors message's
 * canonical bytes decode back to the vector that was sent.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/index.js';
import {
  decodeVector,
  FEATURE_SCHEMA,
  goldenVectors,
  KafkaAggregationOutput,
} from '../../../src/pipeline/aggregation/index.js';
import { kafkajsFactory } from '../../../src/sinks/kafka/index.js';
import { services, uniqueName } from '../../harness/index.js';
import { readTopic } from '../../sinks/int-helpers.js';

describe('aggregation → Kafka (real broker)', () => {
  it('publishes bars, rolling metrics and vectors keyed by window key', async () => {
    const topics = {
      bars: uniqueName('agg_bars'),
      rolling: uniqueName('agg_rolling'),
      vectors: uniqueName('agg_vectors'),
    };
    const factory = kafkajsFactory({ brokers: services().kafka.brokers }, silentLogger);
    const admin = factory.admin();
    await admin.connect();
    await admin.createTopics({
      topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })),
      waitForLeaders: true,
    });
    await admin.disconnect();
    const producer = factory.producer();
    await producer.connect();
    const out = new KafkaAggregationOutput(producer, topics);
    const vectors = goldenVectors();
    await out.write(vectors);
    await out.close();

    const ticks = vectors.filter((v) => v.kind === 'tick');
    const rolling = vectors.filter((v) => v.kind === 'rolling');
    expect(ticks.length).toBeGreaterThan(0);
    const bars = await readTopic(topics.bars, ticks.length);
    expect(bars.map((m) => m.key).sort()).toEqual(ticks.map((v) => v.windowKey).sort());
    const firstBar = JSON.parse(bars.find((m) => m.key === ticks[0]?.windowKey)?.value ?? '{}') as Record<
      string,
      unknown
    >;
    expect(firstBar['close']).toBe(String(ticks[0]?.features['close']));
    const roll = await readTopic(topics.rolling, rolling.length);
    expect(roll.map((m) => m.key).sort()).toEqual(rolling.map((v) => v.windowKey).sort());
    const vs = await readTopic(topics.vectors, vectors.length);
    expect(vs).toHaveLength(vectors.length);
    for (const m of vs) {
      const hex = (JSON.parse(m.value) as { vector_hex: string }).vector_hex;
      const back = decodeVector(FEATURE_SCHEMA, Buffer.from(hex, 'hex'));
      expect(vectors).toContainEqual(back);
      expect(back.windowKey).toBe(m.key);
    }
  }, 120_000);
});
