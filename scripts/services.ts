// `npm run services -- start|stop|status|env`: the integration-test services (Redis, ClickHouse,
// Kafka) started by hand for development, so test runs can reuse them through TEST_REDIS_URL,
// TEST_CLICKHOUSE_URL and TEST_KAFKA_BROKERS instead of starting their own each time.
// State lives in /tmp/hl-ingest-services/state.json; the services keep running after this exits.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { guardRun } from '../test/harness/cleanup.js';
import { verifyReused } from '../test/harness/lifecycle.js';
import { isAlive, readPid } from '../test/harness/process.js';
import { serviceDef } from '../test/harness/registry.js';
import { providedFrom, startStack, stopStates } from '../test/harness/stack.js';
import { SERVICE_NAMES } from '../test/harness/types.js';
import type { ServiceName, ServiceState } from '../test/harness/types.js';

const STATE_DIR = '/tmp/hl-ingest-services';
const STATE_FILE = join(STATE_DIR, 'state.json');

interface SavedState {
  runDir: string;
  states: Record<ServiceName, ServiceState>;
}

function load(): SavedState | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as SavedState;
}

function exportLines(saved: SavedState): string {
  const p = providedFrom(saved.states);
  return [
    `export TEST_REDIS_URL=${p.redis.url}`,
    `export TEST_CLICKHOUSE_URL=${p.clickhouse.url}`,
    `export TEST_KAFKA_BROKERS=${p.kafka.brokers.join(',')}`,
    `export TEST_EVM_URL=${p.evm.url}`,
  ].join('\n');
}

function running(state: ServiceState): boolean {
  if (!state.managed) return false;
  const pid = readPid(state.pidFile);
  return pid !== undefined && isAlive(pid);
}

async function start(): Promise<void> {
  const existing = load();
  if (existing !== undefined && SERVICE_NAMES.every((n) => running(existing.states[n]))) {
    console.log(`Already running (state: ${STATE_FILE}).\n\n${exportLines(existing)}`);
    return;
  }
  if (existing !== undefined) await stop(); // half-dead leftovers: start clean
  mkdirSync(STATE_DIR, { recursive: true });
  // Reuse variables make no sense here (we are the thing to reuse); fixed TEST_*_PORT are honoured.
  const reuseVars = new Set(SERVICE_NAMES.map((n) => serviceDef(n).reuseEnv));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !reuseVars.has(k)));
  let unguard: (() => void) | undefined;
  const t0 = Date.now();
  const stack = await startStack({
    prefix: 'run-',
    parentDir: STATE_DIR,
    env,
    onRunDir: (d) => (unguard = guardRun(d)),
  });
  unguard?.(); // from here on the services must outlive this process
  const saved: SavedState = { runDir: stack.runDir, states: stack.services.control };
  writeFileSync(STATE_FILE, JSON.stringify(saved, null, 2));
  console.log(`Started in ${((Date.now() - t0) / 1000).toFixed(1)} s (data and logs under ${stack.runDir}).`);
  console.log(
    `Export these to make \`npm run test:integration\` reuse them (or: eval "$(npm run -s services -- env)"):\n`,
  );
  console.log(exportLines(saved));
}

async function stop(): Promise<void> {
  const saved = load();
  if (saved === undefined) {
    console.log('Nothing to stop (no state file).');
    return;
  }
  await stopStates(Object.values(saved.states));
  rmSync(saved.runDir, { recursive: true, force: true });
  rmSync(STATE_FILE, { force: true });
  console.log('Stopped; data removed.');
}

async function status(): Promise<number> {
  const saved = load();
  if (saved === undefined) {
    console.log('Not running (no state file).');
    return 1;
  }
  let ok = true;
  for (const name of SERVICE_NAMES) {
    const state = saved.states[name];
    const pid = state.managed ? readPid(state.pidFile) : undefined;
    let answer = 'answers';
    try {
      await verifyReused(serviceDef(name), state.endpoint, 2_000);
    } catch {
      answer = 'DOES NOT ANSWER';
      ok = false;
    }
    console.log(
      `${name.padEnd(10)} ${state.endpoint.padEnd(28)} pid ${pid ?? '-'} ${running(state) ? 'running' : 'stopped'}, ${answer}`,
    );
  }
  console.log(`\n${exportLines(saved)}`);
  return ok ? 0 : 1;
}

async function main(): Promise<number> {
  const cmd = process.argv[2];
  switch (cmd) {
    case 'start':
      await start();
      return 0;
    case 'stop':
      await stop();
      return 0;
    case 'status':
      return status();
    case 'env': {
      const saved = load();
      if (saved === undefined) throw new Error('services are not running: npm run services -- start');
      console.log(exportLines(saved));
      return 0;
    }
    default:
      console.error('usage: npm run services -- start|stop|status|env');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
