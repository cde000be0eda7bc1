/**
 * Child process for the "killed before commit" test: consumes the topic with commits pushed
 * out of reach (interval and threshold huge), appends each applied signalId to a file (the
 * team's own store) and SIGKILLs itself right after the Nth onSignal resolved its side effect,
 * i.e. after applying, before any commit. Settings come from the environment.
 */
import { appendFileSync } from 'node:fs';
import { createSignalConsumer } from '../../src/consumer/index.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const killAfter = Number(env('KILL_AFTER'));
const applied = env('APPLIED_FILE');
let count = 0;

const consumer = createSignalConsumer({
  brokers: env('BROKERS').split(','),
  groupId: env('GROUP'),
  topic: env('TOPIC'),
  start: 'earliest',
  commitIntervalMs: 3_600_000,
  commitThreshold: 1_000_000,
  // The broker's minimum: the dead member leaves the group sooner, so the next one gets its partitions.
  sessionTimeoutMs: 6_000,
  onSignal: (signal) => {
    appendFileSync(applied, `${signal.signalId}\n`);
    count++;
    if (count === killAfter) process.kill(process.pid, 'SIGKILL');
  },
});
await consumer.start();
