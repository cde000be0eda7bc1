/**
 * Issue 6, done-when 1: the App end to end on real Kafka and ClickHouse. The embedded simulator
 * trades, both listeners per influencer feed the fan-in, signals go to a 3-partition topic and
 * raw fills to ClickHouse. After trading pauses and the app closes, the topic read back must be
 * keyed and headed per the contract, in order per key with an unbroken position chain, free of
 * duplicate ids, and end at the simulator's ground truth; every fill the simulator made for a
 * tracked account, and every fill behind a signal, must be in ClickHouse.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Signal } from '../../src/positions/index.js';
import {
  chainViolations,
  dedupeByKey,
  engineProgress,
  groundTruthDiffs,
  readSignalTopic,
} from './helpers.js';
import { ALL_CLASSES, startAppStack } from '../kit/stack.js';
import type { AppStack } from '../kit/stack.js';
import { truthEventId, until } from '../kit/index.js';

describe('App -> Kafka + ClickHouse end to end', () => {
  let stack: AppStack | null = null;
  afterEach(async () => {
    await stack?.stop();
    stack = null;
  });

  it('publishes ordered, keyed, duplicate-free signals ending at ground truth, raw fills in ClickHouse', async () => {
    stack = await startAppStack({
      sim: { mode: 'embedded', seed: 11, accounts: 4, tickMs: 40 },
      kafka: { partitions: 3 },
      clickhouse: true,
    });
    const { app, sim } = stack;
    const { topic } = stack.kafka;
    const emitted: Signal[] = [];
    app.engine?.events.on('signal', (s) => emitted.push(s));
    const progress = engineProgress(app);

    await until(() => emitted.length >= 60, 40_000, '60 signals');
    await progress.settle(sim, stack.admittedAt);
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
    const { diffs, compared, preAdmission } = groundTruthDiffs(byKey, stack.truth(), ALL_CLASSES);
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(4);
    console.log(
      `kafka e2e: ${messages.length} messages, ${byKey.size} keys, ${compared} compared with ground truth, ${preAdmission} pre-admission positions`,
    );

    // --- ClickHouse ---
    const truthIds = new Set<string>();
    for (const a of sim.groundTruth.accounts)
      for (const f of sim.groundTruth.fills(a)) truthIds.add(truthEventId(a, f));
    // The stack drops the database on stop.
    const { client: ch, database } = stack.clickhouse;
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
  });
});
