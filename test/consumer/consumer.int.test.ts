/**
 * Issue 19, done-when: the reference consumer on real Kafka. Duplicates injected on the topic
 * reach onSignal once; a position-chain break is reported (and a RECONCILE is not one); invalid
 * records go to onInvalid without stopping the stream; offsets are committed only after onSignal
 * resolved; a handler that throws gets the signal again; a consumer SIGKILLed after applying but
 * before committing has its signals redelivered to the next member, and the dedupe (seeded from
 * what was applied) absorbs exactly those.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DedupeWindow, createSignalConsumer } from '../../src/consumer/index.js';
import type {
  ChainBreak,
  InvalidMessage,
  ReceivedSignal,
  SignalConsumer,
  SignalConsumerOptions,
} from '../../src/consumer/index.js';
import { signalHeaders } from '../../src/positions/index.js';
import type { Signal } from '../../src/positions/index.js';
import { createTopic, services, testKafka, uniqueName } from '../harness/index.js';
import { asRecord, chain, produce, signal } from './fixtures.js';
import { until } from '../kit/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const running: SignalConsumer[] = [];

function consumer(options: Omit<SignalConsumerOptions, 'brokers'>): SignalConsumer {
  const c = createSignalConsumer({ brokers: services().kafka.brokers, start: 'earliest', ...options });
  running.push(c);
  return c;
}

async function committed(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((t?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

describe('createSignalConsumer on real Kafka', () => {
  let dir = '';
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('delivers each signal once, reports a chain break, routes invalid records, commits after onSignal', async () => {
    const topic = uniqueName('consumer_rules');
    await createTopic(topic, { partitions: 2 });
    const a = chain('inf-a', 'BTC', ['1', '2', '0.5', '-1']);
    const b = chain('inf-b', 'ETH', ['3', '0']);
    // inf-c|SOL loses its second signal (1 -> 2): the third (2 -> 3) breaks the chain. The
    // RECONCILE that follows (3 -> 5) is an explicit correction and chains fine.
    const c = chain('inf-c', 'SOL', ['1', '2', '3']);
    const reconcile = signal('inf-c', 'SOL', '3', '5', 1_780_000_010_000, true);
    const [a1, a2, a3, a4] = a as [Signal, Signal, Signal, Signal];
    const bad = { ...asRecord(a1), value: JSON.stringify({ ...a1, action: 'BUY' }) };
    const records = [
      asRecord(a1),
      asRecord(a1), // duplicate right behind
      asRecord(b[0] as Signal),
      asRecord(a2),
      { key: 'inf-a|BTC', value: '{not json', headers: signalHeaders() },
      asRecord(a1), // duplicate later
      bad,
      asRecord(a3),
      { ...asRecord(a4), headers: { ...signalHeaders(), 'schema-version': '2' } },
      { ...asRecord(a4), key: 'inf-a|ETH' },
      asRecord(c[0] as Signal),
      asRecord(a2), // duplicate of an older one
      asRecord(a4),
      asRecord(b[1] as Signal),
      asRecord(c[2] as Signal),
      asRecord(reconcile),
      asRecord(b[1] as Signal),
      { key: 'inf-b|ETH', value: null },
    ];
    const producedFrom = Date.now();
    await produce(topic, records);
    const producedTo = Date.now();
    const unique = [...a, ...b, c[0], c[2], reconcile] as Signal[];

    const groupId = uniqueName('consumer_rules');
    const got: ReceivedSignal[] = [];
    const invalid: InvalidMessage[] = [];
    const breaks: ChainBreak[] = [];
    // The handler of a4 waits until the test has looked at the committed offsets.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let a4Offset = '';
    let a4Partition = -1;
    let a4Timestamp = NaN;
    const sc = consumer({
      groupId,
      topic,
      commitThreshold: 1,
      onSignal: async (s, ctx) => {
        if (s.signalId === a4.signalId) {
          a4Offset = ctx.offset;
          a4Partition = ctx.partition;
          a4Timestamp = ctx.timestamp;
          await gate;
        }
        got.push(s);
      },
      onInvalid: (m) => {
        invalid.push(m);
      },
      onChainBreak: (brk) => {
        breaks.push(brk);
      },
    });
    await sc.start();

    await until(() => a4Offset !== '', 30_000, 'onSignal of a4');
    // The record's Kafka timestamp (CreateTime: set when it was produced).
    expect(a4Timestamp).toBeGreaterThanOrEqual(producedFrom);
    expect(a4Timestamp).toBeLessThanOrEqual(producedTo);
    // a4 (and nothing after it on its partition) is not handled yet: no commit may cover it.
    // Everything before it was handled and, with commitThreshold 1, committed.
    const partA = (await sc.lag()).find((p) => p.partition === a4Partition);
    expect(partA?.handled).toBe(Number(a4Offset));
    await until(
      async () => (await committed(groupId, topic)).get(a4Partition) === Number(a4Offset),
      15_000,
      'the commit up to a4',
    );
    expect(partA?.lag).toBeGreaterThan(0);
    release();

    await until(
      () => got.length >= unique.length && invalid.length >= 5,
      30_000,
      'all signals and invalid records',
    );
    // Each id once, and in order per key.
    expect(got.map((s) => s.signalId).sort()).toEqual(unique.map((s) => s.signalId).sort());
    expect(got.filter((s) => s.influencerId === 'inf-a').map((s) => s.position)).toEqual([
      '1',
      '2',
      '0.5',
      '-1',
    ]);
    expect(sc.stats()).toEqual({ signals: unique.length, duplicates: 4, invalid: 5, chainBreaks: 1 });

    expect(invalid.map((m) => m.reason).sort()).toEqual([
      'empty',
      'key-mismatch',
      'not-json',
      'schema',
      'schema-version',
    ]);
    expect(invalid.find((m) => m.reason === 'schema')?.problems.join(' ')).toMatch(/action/);
    expect(invalid.find((m) => m.reason === 'key-mismatch')?.key).toBe('inf-a|ETH');

    expect(breaks).toHaveLength(1);
    expect(breaks[0]).toMatchObject({
      key: 'inf-c|SOL',
      expectedPreviousPosition: '1',
      previousPosition: '2',
      position: '3',
    });
    expect(got.some((s) => s.action === 'RECONCILE' && s.position === '5')).toBe(true);

    // Everything handled is committed (threshold 1), so the lag is zero on every partition.
    await until(
      async () => (await sc.lag()).every((p) => p.lag === 0 && p.committed === p.highWatermark),
      15_000,
      'lag 0',
    );
    const lag = await sc.lag();
    expect(lag.reduce((n, p) => n + p.highWatermark, 0)).toBe(records.length);
  });

  it('a handler that throws gets the signal again; every signal succeeds once', async () => {
    const topic = uniqueName('consumer_retry');
    await createTopic(topic, { partitions: 1 });
    const signals = chain('inf-r', 'BTC', ['1', '2', '3', '4', '5']);
    await produce(topic, signals.map(asRecord));
    const victim = signals[2] as Signal;
    const attempts = new Map<string, number>();
    const ok: string[] = [];
    const sc = consumer({
      groupId: uniqueName('consumer_retry'),
      topic,
      onSignal: (s) => {
        const n = (attempts.get(s.signalId) ?? 0) + 1;
        attempts.set(s.signalId, n);
        if (s.signalId === victim.signalId && n === 1) throw new Error('trading desk unavailable');
        ok.push(s.signalId);
      },
    });
    await sc.start();
    await until(() => ok.length >= signals.length, 60_000, 'every signal handled');
    expect(attempts.get(victim.signalId)).toBe(2);
    expect(ok).toEqual(signals.map((s) => s.signalId));
    expect(sc.stats().chainBreaks).toBe(0);
  });

  it('a consumer killed after applying but before committing: redelivered, and the dedupe absorbs it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'consumer-kill-'));
    const topic = uniqueName('consumer_kill');
    // One partition, so the applied signals a commit covers are a prefix of the topic.
    await createTopic(topic, { partitions: 1 });
    const signals = [
      ...chain('inf-k', 'BTC', ['1', '2', '3', '4']),
      ...chain('inf-k', 'ETH', ['-1', '-2', '0']),
    ];
    await produce(topic, signals.map(asRecord));
    const groupId = uniqueName('consumer_kill');
    const applied = join(dir, 'applied.txt');
    writeFileSync(applied, '');

    const killAfter = 4;
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/consumer/kill-child.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: process.env['HOME'] ?? '',
        BROKERS: services().kafka.brokers.join(','),
        TOPIC: topic,
        GROUP: groupId,
        KILL_AFTER: String(killAfter),
        APPLIED_FILE: applied,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exit = await new Promise<string | number | null>((r) =>
      child.on('exit', (code, sig) => r(sig ?? code)),
    );
    expect(exit, stderr).toBe('SIGKILL');
    const appliedIds = readFileSync(applied, 'utf8').trim().split('\n');
    expect(appliedIds).toEqual(signals.slice(0, killAfter).map((s) => s.signalId));
    // Commits are pushed out of reach (interval 1 h, threshold 10^6) and kafkajs' own
    // per-batch commit is off, so nothing the killed member applied was committed.
    const commit = Math.max(0, (await committed(groupId, topic)).get(0) ?? -1);
    expect(commit).toBe(0);
    const redelivered = appliedIds.slice(commit);
    expect(redelivered.length).toBeGreaterThan(0);

    // The next member of the group restores its window from what was applied.
    const got: string[] = [];
    const absorbed: string[] = [];
    const sc = consumer({
      groupId,
      topic,
      dedupe: new DedupeWindow(1000, appliedIds),
      onSignal: (s) => {
        got.push(s.signalId);
      },
      onDuplicate: (s) => {
        absorbed.push(s.signalId);
      },
    });
    await sc.start();
    await until(
      () => got.length + absorbed.length >= signals.length - commit,
      30_000,
      'the rest of the topic',
    );
    expect(absorbed).toEqual(redelivered);
    console.log(
      `consumer kill: ${appliedIds.length} applied before SIGKILL, ${commit} committed, ${redelivered.length} redelivered and absorbed`,
    );
    expect([...appliedIds, ...got].sort()).toEqual(signals.map((s) => s.signalId).sort());
  });
});
