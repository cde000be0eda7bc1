/**
 * Issue 19, done-when: `ingest signals tail` as a child process against a topic the service
 * filled. The App runs on the embedded simulator with a Kafka sink (as kafka-e2e does); after it
 * closed, a few late signals are produced, then one invalid record at the end of every
 * partition. Each tail reports those invalid records on stderr, which tells the test the tail
 * has read every partition to its end; then SIGINT must stop it with exit code 0, and stdout
 * must hold exactly the expected signals: all of them as the `npm start` line
 * (--from-beginning), only the late ones (--since), and a filtered set as JSON.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { signalHeaders, signalKey, signalLine } from '../../src/positions/index.js';
import type { Signal } from '../../src/positions/index.js';
import { services, testKafka } from '../harness/index.js';
import { chain } from '../consumer/fixtures.js';
import { ROOT, cliArgs, startCli } from './cli-process.js';
import type { CliRun } from './cli-process.js';
import { dedupeByKey, readSignalTopic } from './helpers.js';
import { startAppStack } from '../kit/stack.js';
import type { AppStack } from '../kit/stack.js';
import { until } from '../kit/index.js';

const PARTITIONS = 3;

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

describe('ingest signals tail', () => {
  let stack: AppStack | null = null;
  const runs: CliRun[] = [];
  afterEach(async () => {
    for (const r of runs.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await stack?.stop();
    stack = null;
  });

  it('prints what the service published: human lines, --since, filters with --json; exits 0 on SIGINT', async () => {
    const svc = services();
    stack = await startAppStack({
      sim: { mode: 'embedded', seed: 19, accounts: 3, tickMs: 40 },
      kafka: { partitions: PARTITIONS },
      config: { fanin: { reorderWindowMs: 60 }, positions: { settleWindowMs: 120 } },
    });
    const { app } = stack;
    const { topic } = stack.kafka;
    let emitted = 0;
    app.engine?.events.on('signal', () => emitted++);
    await until(() => emitted >= 30, 40_000, '30 signals');
    app.sim?.pause();
    await app.close(10_000);
    const published = dedupeByKey((await readSignalTopic(topic)).map((m) => m.signal));
    const serviceSignals = [...published.byKey.values()].flat();
    expect(serviceSignals.length).toBeGreaterThanOrEqual(30);

    // Late signals, strictly after `marker` (Kafka CreateTime is the producer's clock, this one).
    const marker = Date.now();
    await until(() => Date.now() > marker, 1000, 'the clock to pass the marker');
    const late = chain('late-1', 'BTC', ['1', '2.5', '0']);
    const producer = testKafka().producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: late.map((s) => ({
        key: signalKey(s.influencerId, s.market),
        value: JSON.stringify(s),
        headers: signalHeaders(),
      })),
    });
    // The end-of-partition sentinels: invalid, so every tail reports them and shows nothing.
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
        partition,
        key: 'sentinel',
        value: '{"end": true}',
        headers: signalHeaders(),
      })),
    });
    await producer.disconnect();

    const all: Signal[] = [...serviceSignals, ...late];
    const pick = serviceSignals[0] as Signal;
    const filtered = all.filter((s) => s.influencerId === pick.influencerId && s.action === pick.action);
    const filteredByMarket = filtered.filter((s) => s.market === pick.market);
    expect(filteredByMarket.length).toBeGreaterThan(0);

    const env = { INGEST_KAFKA_BROKERS: svc.kafka.brokers.join(',') };
    const human = startCli(['signals', 'tail', '--topic', topic, '--from-beginning'], env);
    const since = startCli(
      ['signals', 'tail', '--topic', topic, '--since', new Date(marker).toISOString(), '--json'],
      env,
    );
    const filter = startCli(
      [
        'signals',
        'tail',
        '--topic',
        topic,
        '--from-beginning',
        '--json',
        '--influencer',
        pick.influencerId,
        '--action',
        pick.action.toLowerCase(),
        '--market',
        `${pick.market},NOPE`,
      ],
      env,
    );
    runs.push(human, since, filter);

    const atEnd = (r: CliRun) => (r.stderr().match(/invalid message/g) ?? []).length >= PARTITIONS;
    await until(() => runs.every(atEnd), 90_000, 'every tail at the end of every partition');
    for (const r of runs) r.child.kill('SIGINT');
    const codes = await Promise.all(runs.map((r) => r.exited));
    expect(codes, runs.map((r) => r.stderr()).join('\n---\n')).toEqual([0, 0, 0]);

    expect(lines(human.stdout()).sort()).toEqual(all.map((s) => signalLine(s)).sort());
    expect(human.stderr()).toMatch(/SIGINT: stopped after \d+ shown/);

    expect(lines(since.stdout()).map((l) => (JSON.parse(l) as Signal).signalId)).toEqual(
      late.map((s) => s.signalId),
    );

    const shown = lines(filter.stdout()).map((l) => JSON.parse(l) as Signal);
    expect(shown.map((s) => s.signalId).sort()).toEqual(filteredByMarket.map((s) => s.signalId).sort());
    expect(shown[0]).toEqual(filteredByMarket.find((s) => s.signalId === shown[0]?.signalId));
  });

  it('refuses bad usage with exit code 2 and a one-line reason', async () => {
    const env = { INGEST_KAFKA_BROKERS: services().kafka.brokers.join(',') };
    const both = startCli(['signals', 'tail', '--from-beginning', '--since', '15m'], env);
    const action = startCli(['signals', 'tail', '--action', 'BUY'], env);
    const noBrokers = startCli(['signals', 'tail'], {});
    expect(await both.exited).toBe(2);
    expect(both.stderr()).toMatch(/--from-beginning and --since exclude each other/);
    expect(await action.exited).toBe(2);
    expect(action.stderr()).toMatch(/unknown action "BUY"/);
    expect(await noBrokers.exited).toBe(2);
    expect(noBrokers.stderr()).toMatch(/no Kafka brokers/);
  });

  it('the package entry point hl-influencer-ingest/consumer resolves from the build, with types', () => {
    expect(cliArgs().built).toBe(true); // the same build the CLI runs from
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('hl-influencer-ingest/consumer'); console.log(typeof m.createSignalConsumer, typeof m.signalLine)",
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function');
    expect(existsSync(join(ROOT, 'dist/src/consumer/index.d.ts'))).toBe(true);
  });
});
