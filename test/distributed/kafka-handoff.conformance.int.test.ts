// The Kafka hand-off (bronze topic: KafkaHandoffSink -> KafkaHandoffSource) runs the shared
// hand-off cases on the test broker, each case with its own topic and consumer group.
import { silentLogger } from '../../src/core/index.js';
import { KafkaHandoffSink, KafkaHandoffSource } from '../../src/distributed/index.js';
import { handoffConformance } from '../handoff/conformance.js';
import { kafka, testConfig } from './helpers.js';

handoffConformance({
  name: 'Kafka hand-off',
  timeoutMs: 60_000,
  async open() {
    const config = testConfig(3);
    const sink = new KafkaHandoffSink({ kafka: kafka(), config, logger: silentLogger });
    await sink.start();
    return { sink, source: new KafkaHandoffSource({ kafka: kafka(), config, logger: silentLogger }) };
  },
});
