/**
 * `ingest cluster status` when it cannot do its job says why in one line and exits with the
 * documented code: no brokers configured is a usage error (2); a broker nobody answers on is a
 * dependency down (5), without kafkajs' per-retry log lines on the way.
 * (The report itself is tested on a real cluster in test/distributed/roles.int.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from '../e2e/cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'cluster-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const influencers = join(dir, 'influencers.yaml');
writeFileSync(influencers, "- id: inf-0\n  address: '0x1111111111111111111111111111111111111111'\n");
const env = { INGEST_INFLUENCERS_SOURCE: 'file', INGEST_INFLUENCERS_FILE: influencers };

describe('ingest cluster status: failures', () => {
  it('no Kafka brokers: exit 2, naming the flag and the variable', async () => {
    const r = startCli(['cluster', 'status'], env);
    expect(await r.exited).toBe(2);
    expect(r.stderr().trim()).toBe(
      'ingest: no Kafka brokers: pass --brokers host:port or set INGEST_KAFKA_BROKERS',
    );
    expect(r.stdout()).toBe('');
  }, 60_000);

  it('Kafka unreachable: exit 5 with one line naming the broker, nothing on stdout', async () => {
    const r = startCli(['cluster', 'status', '--brokers', '127.0.0.1:1'], env);
    expect(await r.exited).toBe(5);
    const lines = r.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ingest: Kafka 127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(r.stdout()).toBe('');
  }, 60_000);

  it('an unknown option is a usage error', async () => {
    const r = startCli(['cluster', 'status', '--nope'], env);
    expect(await r.exited).toBe(2);
    expect(r.stderr()).toMatch(/unknown option '--nope'/);
  }, 60_000);
});
