/**
 * Issue 20 (2): a topic Kafka refuses to create is a configuration error, not an outage. With
 * `createTopics` and a replication factor of 3 on the one-broker test cluster, the log names
 * the broker's code per topic and the setting that fixes it, /ready answers 503 with that
 * reason, and the signals wait in the spool. The partitions and replication factor come from
 * the new environment variables; with a factor the cluster can hold, the topics are created
 * as asked.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { services, testKafka, uniqueName } from '../harness/index.js';
import { runDirsEnv, killRuns, startCli } from './cli-process.js';
import type { CliRun } from './cli-process.js';
import { until } from '../kit/index.js';
import { spooledSignals } from './helpers.js';

/** Bytes in the spool's segment files (not its lock or cursor file, there from the start). */
function segmentBytes(path: string): number {
  if (!existsSync(path)) return 0;
  let n = 0;
  for (const e of readdirSync(path, { withFileTypes: true }))
    if (e.isFile() && /^seg-\d+\.log$/.test(e.name)) n += statSync(join(path, e.name)).size;
  return n;
}

function httpUrl(run: CliRun): string | null {
  const m = /"port":(\d+)[^\n]*"msg":"obs http listening"/.exec(run.stderr());
  return m ? `http://127.0.0.1:${m[1]}` : null;
}

describe('ingest run: Kafka topic creation refused by the cluster', () => {
  let dir = '';
  const runs: CliRun[] = [];
  afterEach(() => {
    killRuns(runs);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function start(topic: string, extra: Record<string, string>): CliRun {
    dir = mkdtempSync(join(tmpdir(), 'ingest-e2e-topic-'));
    const run = startCli(['run'], {
      INGEST_SIM_ACCOUNTS: '3',
      INGEST_KAFKA_BROKERS: services().kafka.brokers.join(','),
      INGEST_KAFKA_TOPIC: topic,
      INGEST_KAFKA_DLQ_TOPIC: `${topic}_dlq`,
      INGEST_KAFKA_CREATE_TOPICS: 'true',
      ...runDirsEnv(dir),
      ...extra,
    });
    runs.push(run);
    return run;
  }

  it('replication factor 3 on one broker: named code and fix, /ready 503, signals spooled', async () => {
    const topic = uniqueName('e2e_rf');
    const run = start(topic, { INGEST_KAFKA_REPLICATION_FACTOR: '3' });
    await until(
      () => run.stderr().includes('INVALID_REPLICATION_FACTOR') || run.child.exitCode !== null,
      60_000,
      'the broker refusal in the log',
    );
    const line = run
      .stderr()
      .split('\n')
      .find((l) => l.includes('INVALID_REPLICATION_FACTOR'));
    expect(line).toContain(`kafka refuses to create topic ${topic}: INVALID_REPLICATION_FACTOR`);
    expect(line).toContain('set sinks.kafka.replicationFactor (INGEST_KAFKA_REPLICATION_FACTOR)');
    // Not reported as an outage.
    expect(run.stderr()).not.toContain(`kafka unreachable for ${topic}`);
    const url = httpUrl(run);
    expect(url).not.toBeNull();
    let body = '';
    await until(
      async () => {
        const res = await fetch(`${url ?? ''}/ready`);
        body = await res.text();
        return res.status === 503 && body.includes('INVALID_REPLICATION_FACTOR');
      },
      30_000,
      '/ready 503 naming the refusal',
    );
    expect(body).toContain('sinks.kafka.replicationFactor');
    await until(() => segmentBytes(join(dir, 'spool', 'signals')) > 0, 30_000, 'signals in the spool');
    run.child.kill('SIGTERM');
    expect(await run.exited, run.stderr().slice(-3000)).toBe(0);
    // Read back through the spool: signals with ids, not just a lock or cursor file on disk.
    const kept = await spooledSignals(join(dir, 'spool', 'signals'));
    expect(kept.length).toBeGreaterThan(0);
    for (const sig of kept) expect(sig.signalId, JSON.stringify(sig)).toMatch(/\S/);
  });

  it('INGEST_KAFKA_PARTITIONS and INGEST_KAFKA_REPLICATION_FACTOR create the topic as asked', async () => {
    const topic = uniqueName('e2e_rf');
    const run = start(topic, { INGEST_KAFKA_REPLICATION_FACTOR: '1', INGEST_KAFKA_PARTITIONS: '2' });
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await until(
        async () => (await admin.listTopics()).includes(topic) || run.child.exitCode !== null,
        60_000,
        'topic created',
      );
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = meta.topics[0]?.partitions ?? [];
      expect(partitions).toHaveLength(2);
      expect(partitions.every((p) => p.replicas.length === 1)).toBe(true);
    } finally {
      await admin.disconnect();
    }
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});
