/**
 * The one e2e stack builder, `startAppStack`: "simulator + service + services" for integration
 * tests (the harness's `startStack` is the layer below: it starts the services). It owns a
 * temp dir, the simulator (embedded in the App, or started here as a custom Hyperliquid network
 * the App reaches over the wire), the App itself, and isolated resources on the harness's real
 * services (a fresh Kafka topic, ClickHouse database, Redis key prefix). `stop()` tears all of
 * it down in order and may be called any number of times (a test's body and its afterEach).
 *
 * Integration only: it reads the harness's endpoints, so unit tests do not import it (it is not
 * re-exported from test/kit/index.ts, which unit tests load).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app/index.js';
import { parseServiceConfig } from '../../src/config/index.js';
import type { ServiceConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/core/index.js';
import type { Logger, MarketClass } from '../../src/core/index.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { httpClickHouse } from '../../src/sinks/clickhouse/index.js';
import type { ClickHouseLike } from '../../src/sinks/clickhouse/index.js';
import { createTopic, services, uniqueName } from '../harness/index.js';
import type { TruthAccount } from './truth.js';

export const ALL_CLASSES: MarketClass[] = ['perp', 'hip3', 'spot', 'outcome'];

/** A logger that drops everything (the App asks for `level`). */
export const quietLogger = Object.assign(Object.create(silentLogger) as typeof silentLogger, {
  level: 'silent',
});

import { influencerYaml } from './influencers.js';
export { influencerYaml };

type SimOptions = NonNullable<Parameters<typeof startSimulator>[0]>;
type Sections = Record<string, Record<string, unknown>>;

export interface AppStackOptions {
  /**
   * `embedded`: the App runs the simulator and tracks its accounts (ids sim-0, sim-1, ...);
   * only seed, accounts and tickMs apply. `external`: the simulator is started here (every
   * simulator option applies) and the App reaches it as a custom Hyperliquid network, with the
   * accounts in an influencer file (ids inf-0, inf-1, ...).
   */
  readonly sim: SimOptions & { readonly mode: 'embedded' | 'external' };
  /** A fresh topic with this many partitions and a Kafka sink on it. */
  readonly kafka?: { readonly partitions: number };
  /** A fresh database and a ClickHouse raw-event sink in it. */
  readonly clickhouse?: boolean;
  /** The harness's Redis under a fresh key prefix. */
  readonly redis?: boolean;
  /** Config sections merged over the stack's, key by key (a section's keys replace the stack's). */
  readonly config?: Sections;
  /** Start the App now (default), or leave it to `startApp()` (e.g. let an external sim trade first). */
  readonly startApp?: boolean;
  readonly logger?: Logger & { level: string };
}

export interface AppStack {
  readonly dir: string;
  readonly config: ServiceConfig;
  readonly app: App;
  /** The simulator (embedded ones exist once the App started). */
  readonly sim: Simulator;
  readonly influencerIds: readonly string[];
  /** The resources below throw when read without having been asked for in the options. */
  readonly kafka: { readonly topic: string; readonly dlqTopic: string; readonly brokers: string[] };
  readonly clickhouse: { readonly database: string; readonly client: ClickHouseLike };
  readonly redis: { readonly url: string; readonly keyPrefix: string };
  /** The local sink's files: every signal and raw event the App published. */
  readonly files: { readonly signals: string; readonly raw: string };
  /** Wall time just after the App started (admission/seeding happens inside start()). */
  readonly admittedAt: number;
  /** Starts the App (once); resolves with admittedAt. */
  startApp(): Promise<number>;
  /** The simulator's ground truth per tracked account, with the stack's influencer ids. */
  truth(): TruthAccount[];
  /** Closes the App, the external simulator, drops the database and removes the dir; idempotent. */
  stop(): Promise<void>;
}

function asked<T>(resource: T | null, option: string): T {
  if (resource === null) throw new Error(`startAppStack: this stack has no such resource (pass ${option})`);
  return resource;
}

const EMBEDDED_SIM_KEYS = new Set(['mode', 'seed', 'accounts', 'tickMs']);

export async function startAppStack(options: AppStackOptions): Promise<AppStack> {
  const { mode, ...simOptions } = options.sim;
  if (mode === 'embedded') {
    const extra = Object.keys(options.sim).filter((k) => !EMBEDDED_SIM_KEYS.has(k));
    if (extra.length > 0)
      throw new Error(
        `startAppStack: an embedded simulator takes only seed, accounts, tickMs (got ${extra.join(', ')})`,
      );
  }
  const svc = services();
  const dir = mkdtempSync(join(tmpdir(), `ingest-stack-${mode}-`));
  const cleanups: { name: string; run: () => Promise<unknown> }[] = [
    { name: 'dir', run: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })) },
  ];
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    // Newest first: the App before the simulator it talks to, resources after both.
    stopping ??= (async () => {
      const errors: string[] = [];
      for (const c of [...cleanups].reverse()) {
        try {
          await c.run();
        } catch (e) {
          errors.push(`${c.name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (errors.length > 0) throw new Error(`stack stop failed: ${errors.join('; ')}`);
    })();
    return stopping;
  };

  try {
    const sections: Sections = {
      positions: { marketClasses: ALL_CLASSES },
      sinks: { local: { dir: join(dir, 'out') }, spool: { dir: join(dir, 'spool') } },
      http: { port: 0 },
    };
    const heartbeat = { pingIntervalMs: 5000, pongTimeoutMs: 2000 };
    let external: Simulator | null = null;
    if (mode === 'external') {
      external = await startSimulator(simOptions);
      const sim = external;
      cleanups.push({ name: 'simulator', run: () => sim.close() });
      const file = join(dir, 'influencers.yaml');
      writeFileSync(file, influencerYaml(sim.accounts));
      sections['source'] = { kind: 'hyperliquid' };
      sections['hyperliquid'] = { network: 'custom', wsUrl: sim.wsUrl, infoUrl: sim.infoUrl, heartbeat };
      sections['influencers'] = { source: 'file', file };
    } else {
      sections['source'] = { kind: 'simulator', simulator: { ...simOptions, port: 0 } };
      sections['hyperliquid'] = { heartbeat };
      sections['influencers'] = { source: 'simulator' };
    }

    let kafka: AppStack['kafka'] | null = null;
    if (options.kafka) {
      const topic = uniqueName('stack_signals');
      await createTopic(topic, { partitions: options.kafka.partitions });
      kafka = { topic, dlqTopic: `${topic}_dlq`, brokers: [...svc.kafka.brokers] };
      (sections['sinks'] as Record<string, unknown>)['kafka'] = {
        brokers: kafka.brokers,
        topic,
        dlqTopic: kafka.dlqTopic,
        createTopics: true,
        replicationFactor: 1,
      };
    }
    let clickhouse: AppStack['clickhouse'] | null = null;
    if (options.clickhouse === true) {
      const database = uniqueName('stack');
      const client = httpClickHouse({ url: svc.clickhouse.url });
      cleanups.push({
        name: 'clickhouse',
        run: async () => {
          try {
            await client.command(`DROP DATABASE IF EXISTS ${database}`);
          } finally {
            await client.close();
          }
        },
      });
      await client.command(`CREATE DATABASE IF NOT EXISTS ${database}`);
      clickhouse = { database, client };
      (sections['sinks'] as Record<string, unknown>)['clickhouse'] = {
        url: svc.clickhouse.url,
        database,
        batch: { maxIntervalMs: 200 },
      };
    }
    let redis: AppStack['redis'] | null = null;
    if (options.redis === true) {
      redis = { url: svc.redis.url, keyPrefix: `${uniqueName('stack')}:` };
      sections['redis'] = { url: redis.url, keyPrefix: redis.keyPrefix };
    }
    for (const [k, v] of Object.entries(options.config ?? {})) sections[k] = { ...(sections[k] ?? {}), ...v };

    const config = parseServiceConfig(sections);
    const app = new App({ config, logger: options.logger ?? quietLogger });
    // Registered before start: a start that fails half-way still gets its parts closed.
    cleanups.push({ name: 'app', run: () => app.close(5000) });
    let admittedAt: number | null = null;
    let starting: Promise<number> | null = null;
    const simOf = (): Simulator => {
      const sim = external ?? app.sim;
      if (!sim) throw new Error('startAppStack: the embedded simulator exists only once the App started');
      return sim;
    };
    const idPrefix = mode === 'external' ? 'inf' : 'sim';
    const stack: AppStack = {
      dir,
      config,
      app,
      get sim() {
        return simOf();
      },
      get influencerIds() {
        return simOf().accounts.map((_, i) => `${idPrefix}-${i}`);
      },
      get kafka() {
        return asked(kafka, 'kafka: { partitions }');
      },
      get clickhouse() {
        return asked(clickhouse, 'clickhouse: true');
      },
      get redis() {
        return asked(redis, 'redis: true');
      },
      files: { signals: join(dir, 'out', 'signals.ndjson'), raw: join(dir, 'out', 'raw.ndjson') },
      get admittedAt() {
        if (admittedAt === null) throw new Error('startAppStack: the App has not started');
        return admittedAt;
      },
      startApp() {
        starting ??= app.start().then(() => (admittedAt = Date.now()));
        return starting;
      },
      truth() {
        const sim = simOf();
        return sim.accounts.map((a, i) => ({
          id: `${idPrefix}-${i}`,
          truth: sim.groundTruth.positions(a),
          fills: sim.groundTruth.fills(a),
          admittedAt: stack.admittedAt,
        }));
      },
      stop,
    };
    if (options.startApp !== false) await stack.startApp();
    return stack;
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
