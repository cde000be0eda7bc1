// Vitest global setup for the `integration` project: starts (or reuses) Redis, ClickHouse and
// Kafka once per run, provides their endpoints and control state to workers via
// `inject('services')`, and stops everything in teardown. See README "Tests and test services".
import { tmpdir } from 'node:os';
import type { TestProject } from 'vitest/node';
import { guardRun, reapStaleRuns } from './cleanup.js';
import { startStack } from './stack.js';
import './types.js';

const RUN_PREFIX = 'hl-ingest-it-';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const parentDir = tmpdir();
  const reaped = reapStaleRuns(parentDir, RUN_PREFIX);
  if (reaped.length > 0)
    console.log(`[test services] removed ${reaped.length} stale run(s): ${reaped.join(', ')}`);
  const started = Date.now();
  let uninstall: (() => void) | undefined;
  const stack = await startStack({
    prefix: RUN_PREFIX,
    parentDir,
    onRunDir: (dir) => (uninstall = guardRun(dir)),
  }).catch((err: unknown) => {
    uninstall?.();
    throw err;
  });
  const s = stack.services;
  const how = (name: keyof typeof s.control): string => (s.control[name].managed ? 'started' : 'reused');
  console.log(
    `[test services] ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `redis ${s.redis.url} (${how('redis')}), clickhouse ${s.clickhouse.url} (${how('clickhouse')}), ` +
      `kafka ${s.kafka.brokers.join(',')} (${how('kafka')}), nats ${s.nats.url} (${how('nats')}), ` +
      `postgres ${s.postgres.url} (${how('postgres')}), evm ${s.evm.url} (${how('evm')})`,
  );
  project.provide('services', s);
  return async () => {
    try {
      await stack.stop();
    } finally {
      uninstall?.();
    }
  };
}
