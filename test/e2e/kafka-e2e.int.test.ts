/**
 * Issue 6, done-when 1: the App end to end on real Kafka and ClickHouse. The embedded simulator
 * trades, both listeners per influencer feed the fan-in, signals go to a 3-partition topic and
 * raw fills to ClickHouse. After trading pauses and the app closes, the topic read back must be
 * keyed and headed per the contract, in order per key with an unbroken position chain, free of
 * duplicate ids, and end at the simulator's ground truth; every fill the simulator made for a
 * tracked account, and every fill behind a signal, must be in ClickHouse.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app/index.js';
import { parseServiceConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import type { Signal } from '../../src/positions/index.js';
import { httpClickHouse } from '../../src/sinks/clickhouse/index.js';
import { createTopic, services, uniqueName } from '../harness/index.js';
import {
  ALL_CLASSES,
  chainViolations,
  dedupeByKey,
  groundTruthDiffs,
  readSignalTopic,
  sleep,
} from './helpers.js';
import { truthEventId, until } from '../kit/index.js';

const logger = Object.assign(Object.create(silentLogger) as typeof silentLogger, { level: 'silent' });

describe('App -> Kafka + ClickHouse end to end', () => {
  let dir = '';
  let app: App | null = null;
  afterEach(async () => {
    await app?.close(5000);
    app = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes ordered, keyed, duplicate-free signals ending at ground truth, raw fills in ClickHouse', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingest-e2e-kafka-'));
    const svc = services();
    const topic = uniqueName('e2e_signals');
    await createTopic(topic, { partitions: 3 });
    const database = uniqueName('e2e');
    const ch = httpClickHouse({ url: svc.clickhouse.url });
    await ch.command(`CREATE DATABASE IF NOT EXISTS ${database}`);

    const config = parseServiceConfig({
      source: { kind: 'simulator', simulator: { seed: 11, accounts: 4, tickMs: 40, port: 0 } },
      influencers: { source: 'simulator' },
      hyperliquid: { heartbeat: { pingIntervalMs: 5000, pongTimeoutMs: 2000 } },
      positions: { marketClasses: ALL_CLASSES },
      sinks: {
        kafka: {
          brokers: svc.kafka.brokers,
          topic,
          dlqTopic: `${topic}_dlq`,
          createTopics: true,
          replicationFactor: 1,
        },
        clickhouse: { url: svc.clickhouse.url, database, batch: { maxIntervalMs: 200 } },
        local: { dir: join(dir, 'out') },
        spool: { dir: join(dir, 'spool') },
      },
      http: { port: 0 },
    });
    const emitted: Signal[] = [];
    app = new App({ config, logger });
    await app.start();
    // Admission (seeding) happens inside start(): fills before this are in the seed or after it.
    const admittedAt = Date.now();
    app.engine?.events.on('signal', (s) => emitted.push(s));
    const sim = app.sim;
    if (!sim) throw new Error('simulator not started');

    await until(() => emitted.length >= 60, 40_000, '60 signals');
    sim.pause();
    await sleep(1500);
    await app.close(10_000);

    // --- Kafka ---
    const messages = await readSignalTopic(topic);
    expect(messages.length).toBeGreaterThanOrEqual(emitted.length);
    expect(new Set(messages.map((m) => m.partition)).size).toBeGreaterThan(1);
    for (const m of messages) {
      expect(m.key).toBe(`${m.signal.influencerId}|${m.signal.market}`);
      expect(m.headers['schema-version']).toBe('1');
      expect(m.headers['content-type']).toBe('application/json');
    }
    const ids = messages.map((m) => m.signal.signalId);
    expect(ids.length - new Set(ids).size).toBe(0);
    // Signals leave within milliseconds, so the first may be derived while start() is still
    // returning, before the listener above exists: every signal it saw is on the topic, and the
    // topic holds exactly as many as the engine derived (the metrics count them from the start).
    const topicIds = new Set(ids);
    expect(emitted.filter((s) => !topicIds.has(s.signalId))).toEqual([]);
    const derived = (await app.metrics.scrape()).body
      .split('\n')
      .filter((l) => l.startsWith('ingest_signals_emitted_total{'))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(ids.length).toBe(derived);

    const { byKey } = dedupeByKey(messages.map((m) => m.signal));
    expect(chainViolations(byKey)).toEqual([]);
    const accounts = sim.groundTruth.accounts.map((a, i) => ({
      id: `sim-${i}`,
      truth: sim.groundTruth.positions(a),
      fills: sim.groundTruth.fills(a),
      admittedAt,
    }));
    const { diffs, compared, preAdmission } = groundTruthDiffs(byKey, accounts, ALL_CLASSES);
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(4);
    console.log(
      `kafka e2e: ${messages.length} messages, ${byKey.size} keys, ${compared} compared with ground truth, ${preAdmission} pre-admission positions`,
    );

    // --- ClickHouse ---
    const truthIds = new Set<string>();
    for (const a of sim.groundTruth.accounts)
      for (const f of sim.groundTruth.fills(a)) truthIds.add(truthEventId(a, f));
    try {
      const rows = await ch.queryRows(
        `SELECT DISTINCT event_id AS id FROM ${database}.raw_events FINAL WHERE event_type = 'fill'`,
      );
      const stored = new Set(rows.map((r) => String(r['id'])));
      expect(stored.size).toBeGreaterThan(0);
      const missing = [...truthIds].filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      const unknown = [...stored].filter((id) => !truthIds.has(id));
      expect(unknown).toEqual([]);
      const behindSignals = new Set(messages.flatMap((m) => m.signal.sourceEventIds));
      expect([...behindSignals].filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await ch.command(`DROP DATABASE IF EXISTS ${database}`);
      await ch.close();
    }
  });
});
