/**
 * The App wires the hand-off metrics for its role: a `listeners` App (group B) publishing through
 * the Kafka hand-off sink (on a fake producer that acks every batch) exports the bronze records
 * it published and their receipt -> ack latency on /metrics, labelled role and group, with the
 * same count the sink reports; the processor-side series are not there.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app/index.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import { KafkaHandoffSink } from '../../src/distributed/index.js';
import type { BronzeMessage, BronzeProducer } from '../../src/distributed/index.js';
import { HANDOFF_METRIC_NAMES as N } from '../../src/obs/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { until } from '../kit/index.js';
import { parseExposition } from '../obs/prom-text.js';

const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });

class AckingProducer implements BronzeProducer {
  records = 0;
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async send(r: { messages: BronzeMessage[] }): Promise<unknown> {
    this.records += r.messages.length;
    return [];
  }
}

describe('App hand-off metrics', () => {
  let root = '';
  let sim: Simulator | null = null;
  let app: App | null = null;
  afterEach(async () => {
    await app?.close(5000);
    app = null;
    await sim?.close();
    sim = null;
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('a listeners process exports bronze published and publish latency, labelled role and group', async () => {
    root = mkdtempSync(join(tmpdir(), 'ingest-handoff-metrics-'));
    sim = await startSimulator({ seed: 7, accounts: 3, tickMs: 40, port: 0 });
    writeFileSync(
      join(root, 'influencers.yaml'),
      sim.accounts.map((a, i) => `- id: inf-${i}\n  address: '${a}'\n`).join(''),
    );
    const config = parseServiceConfig({
      source: { kind: 'hyperliquid' },
      hyperliquid: { network: 'custom', wsUrl: sim.wsUrl, infoUrl: sim.infoUrl },
      influencers: { source: 'file', file: join(root, 'influencers.yaml') },
      positions: { cursorStore: 'memory' },
      sinks: { local: { dir: join(root, 'out') }, spool: { dir: join(root, 'spool') } },
      http: { port: 0 },
      distributed: { role: 'listeners', listenerGroup: 'B' },
    });
    const producer = new AckingProducer();
    const sink = new KafkaHandoffSink({ config: config.distributed.kafka, logger, producer });
    await sink.start();
    app = new App({ config, logger, handoff: { sink } });
    await app.start();
    await until(() => sink.status().sent >= 10, 30_000, 'bronze records acked');
    // The listeners keep publishing (fills, listener-state heartbeats): take a scrape that no
    // acknowledgement raced, i.e. the acked count is the same just before and just after it
    // and nothing is in flight.
    const a = app;
    let exp = parseExposition('');
    let sent = -1;
    await until(
      async () => {
        await sink.flush();
        a.sampleGauges();
        const before = sink.status().sent;
        exp = parseExposition(await (await fetch(`${a.httpUrl}/metrics`)).text());
        sent = sink.status().sent;
        return before === sent && sent === producer.records;
      },
      10_000,
      'a scrape between two equal acked counts',
    );
    const sample = (name: string): number | undefined =>
      exp.samples.find(
        (s) => s.name === name && s.labels['role'] === 'listeners' && s.labels['group'] === 'B',
      )?.value;
    expect(sent).toBe(producer.records);
    expect(sample(N.bronzePublished)).toBe(sent);
    expect(sample(`${N.bronzePublishLatency}_count`)).toBe(sent);
    expect(sample(N.ownershipRebalances)).toBe(0); // no ownership adapter injected here
    expect(exp.samples.some((s) => s.name === N.bronzeConsumed)).toBe(false);
  });
});
