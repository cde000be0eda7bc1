// Apache Kafka 4.1 for tests: one KRaft JVM (broker + controller) from Maven Central jars, no
// Docker. install() resolves the jars once into a cache dir that outlives runs (the Maven repo
// ~/.m2 caches the downloads); prepare() writes server.properties into the temp dir and formats
// storage; the broker is ready when the kafkajs admin (the product's client) can describe the cluster.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { serviceFailure } from './errors.js';
import { ensureAptBinary, run, which } from './install.js';
import { defineService, launchIn } from './service.js';
import type { ServiceDef } from './service.js';

export const KAFKA_VERSION = '4.1.1';
/** Any fixed 22-char base64 id works for a throwaway single-node cluster. */
const CLUSTER_ID = '5L6g3nShT-eMCtK--X86sw';
const RESOURCES = join(dirname(fileURLToPath(import.meta.url)), 'kafka');
/**
 * `test`: small heap, C1 only, serial GC: starts fastest on 2 shared cores; throughput is
 * irrelevant to the tests. `server`: the JVM as Kafka's own start script runs it (G1, both JIT
 * tiers), for benchmarks: C1-only code answers a produce several times slower, and that would be
 * measured as our latency. TEST_KAFKA_JVM picks one; the benchmarks ask for `server`.
 */
export type KafkaJvmProfile = 'test' | 'server';
const JVM_PROFILES: Readonly<Record<KafkaJvmProfile, readonly string[]>> = {
  test: ['-Xms256m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'],
  server: ['-Xms1g', '-Xmx1g', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20'],
};

function jvmProfile(option: KafkaJvmProfile | undefined): KafkaJvmProfile {
  const v = option ?? process.env['TEST_KAFKA_JVM'] ?? 'test';
  if (v !== 'test' && v !== 'server')
    throw new Error(`TEST_KAFKA_JVM must be 'test' or 'server', not '${v}'`);
  return v;
}

export interface KafkaOptions {
  java?: string;
  /** Where the jar dir lives; default $XDG_CACHE_HOME or ~/.cache, under hl-ingest/kafka-<version>. */
  cacheDir?: string;
  /** Default TEST_KAFKA_JVM, else `test`. */
  jvm?: KafkaJvmProfile;
}

function defaultCacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache');
  return join(base, 'hl-ingest', `kafka-${KAFKA_VERSION}`);
}

/** Resolves the broker's jars into `<cache>/libs` once; a `.complete` marker makes it idempotent. */
async function ensureJars(cacheDir: string): Promise<string> {
  const libs = join(cacheDir, 'libs');
  if (existsSync(join(libs, '.complete'))) return libs;
  const mvn = await ensureAptBinary('kafka', 'mvn', ['maven']);
  await mkdir(cacheDir, { recursive: true });
  // Resolve into a private dir and rename, so a concurrent run never sees a half-filled libs dir.
  const staging = join(cacheDir, `libs.tmp-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  console.log(
    `[test services] kafka: resolving Kafka ${KAFKA_VERSION} jars with Maven into ${libs} (first run only)`,
  );
  const args = ['-q', '-B', '-f', join(RESOURCES, 'pom.xml'), 'dependency:copy-dependencies'];
  args.push(`-Dkafka.version=${KAFKA_VERSION}`, `-DoutputDirectory=${staging}`);
  const result = await run(mvn, args, { timeoutMs: 900_000 });
  const jars = existsSync(staging) ? readdirSync(staging).filter((f) => f.endsWith('.jar')) : [];
  if (result.code !== 0 || !jars.some((j) => j.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) {
    await rm(staging, { recursive: true, force: true });
    throw serviceFailure('kafka', {
      what: `mvn dependency:copy-dependencies failed (exit ${result.code}):\n${result.output.trimEnd().split('\n').slice(-30).join('\n')}`,
      fix: 'check access to Maven Central (or a mirror in ~/.m2/settings.xml); run the same mvn command by hand to see the full error',
    });
  }
  await writeFile(join(staging, '.complete'), `${jars.length} jars\n`);
  await rm(libs, { recursive: true, force: true });
  try {
    await rename(staging, libs);
  } catch (err) {
    if (!existsSync(join(libs, '.complete'))) throw err;
    await rm(staging, { recursive: true, force: true }); // a concurrent run won the race: fine
  }
  return libs;
}

export function kafkaService(opts: KafkaOptions = {}): ServiceDef {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  return defineService({
    name: 'kafka',
    portEnv: { broker: 'TEST_KAFKA_PORT', controller: 'TEST_KAFKA_CONTROLLER_PORT' },
    reuseEnv: 'TEST_KAFKA_BROKERS',
    readyTimeoutMs: 120_000,
    stopTimeoutMs: 20_000,
    async install() {
      const java =
        opts.java !== undefined
          ? which(opts.java)
          : await ensureAptBinary('kafka', 'java', ['openjdk-17-jre-headless']);
      if (java === undefined) {
        throw serviceFailure('kafka', {
          what: `java not found (looked for '${opts.java ?? 'java'}')`,
          fix: 'install Java 17: sudo apt-get install -y openjdk-17-jre-headless',
        });
      }
      return { java, libs: await ensureJars(cacheDir) };
    },
    async prepare({ dir, ports, installed }) {
      const java = installed['java'] ?? 'java';
      const libs = installed['libs'] ?? join(cacheDir, 'libs');
      const broker = ports['broker'] ?? 0;
      const controller = ports['controller'] ?? 0;
      await mkdir(join(dir, 'data'), { recursive: true });
      await mkdir(join(dir, 'logs'), { recursive: true });
      const props = (await readFile(join(RESOURCES, 'server.properties.tmpl'), 'utf8'))
        .replaceAll('@DATA_DIR@', join(dir, 'data'))
        .replaceAll('@CONTROLLER_PORT@', String(controller))
        .replaceAll('@PORT@', String(broker));
      const propsFile = join(dir, 'server.properties');
      await writeFile(propsFile, props);
      const jvm = [
        ...JVM_PROFILES[jvmProfile(opts.jvm)],
        '-Djava.awt.headless=true',
        `-Dkafka.logs.dir=${join(dir, 'logs')}`,
        `-Dlog4j2.configurationFile=${join(RESOURCES, 'log4j2.properties')}`,
        '-cp',
        `${libs}/*`,
      ];
      const format = await run(
        java,
        [...jvm, 'kafka.tools.StorageTool', 'format', '-t', CLUSTER_ID, '-c', propsFile],
        {
          cwd: dir,
          timeoutMs: 60_000,
        },
      );
      if (format.code !== 0) {
        throw serviceFailure('kafka', {
          what: `formatting KRaft storage failed (exit ${format.code}):\n${format.output.trimEnd().split('\n').slice(-30).join('\n')}`,
          fix: /ClassNotFound|NoClassDefFound/.test(format.output)
            ? `the jar cache is incomplete: delete ${cacheDir} and rerun`
            : 'check Java 17 is the default java (java -version)',
        });
      }
      return {
        endpoint: `127.0.0.1:${broker}`,
        launch: launchIn(dir, java, [...jvm, 'kafka.Kafka', propsFile], join('logs', 'kafka.log')),
      };
    },
    async probe(endpoint) {
      const kafka = new Kafka({
        clientId: 'hl-ingest-harness-probe',
        brokers: endpoint.split(','),
        connectionTimeout: 2_000,
        requestTimeout: 3_000,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('describeCluster returned no brokers');
      } finally {
        await admin.disconnect();
      }
    },
    hint(log) {
      if (/UnsupportedClassVersionError/.test(log))
        return 'Kafka 4.1 needs Java 17+: sudo apt-get install -y openjdk-17-jre-headless';
      if (/ClassNotFoundException|NoClassDefFoundError/.test(log))
        return `the jar cache is incomplete: delete ${cacheDir} and rerun`;
      if (/Invalid cluster.id|Inconsistent|meta\.properties/i.test(log)) {
        return 'the data dir was formatted for another cluster: stop the service and remove its temp dir';
      }
      return undefined;
    },
  });
}
