/**
 * The environment-variable table: the only place the service reads the environment (the
 * loader passes `env` in, so tests supply their own). Each variable overrides one config path
 * after the file is read. Secrets come only from here (the variable or a *_FILE holding it).
 */
import { ConfigError } from '../core/index.js';

export type EnvKind = 'string' | 'int' | 'bool' | 'list' | 'secret' | 'pools';

/** Kinds that may also come from NAME_FILE: secrets, and pools (proxy URLs carry credentials). */
export function acceptsFile(kind: EnvKind): boolean {
  return kind === 'secret' || kind === 'pools';
}

export interface EnvVar {
  readonly name: string;
  /** Dotted config path it sets. */
  readonly path: string;
  readonly kind: EnvKind;
}

/** Names the loader itself reads (not config paths). */
export const CONFIG_PATH_ENV = 'INGEST_CONFIG';

export const ENV_VARS: readonly EnvVar[] = Object.freeze([
  { name: 'INGEST_HL_NETWORK', path: 'hyperliquid.network', kind: 'string' },
  { name: 'INGEST_HL_WS_URL', path: 'hyperliquid.wsUrl', kind: 'string' },
  { name: 'INGEST_HL_INFO_URL', path: 'hyperliquid.infoUrl', kind: 'string' },
  { name: 'INGEST_EGRESS_POOLS', path: 'hyperliquid.egressPools', kind: 'pools' },
  { name: 'INGEST_SOURCE', path: 'source.kind', kind: 'string' },
  { name: 'INGEST_SIM_SEED', path: 'source.simulator.seed', kind: 'int' },
  { name: 'INGEST_SIM_ACCOUNTS', path: 'source.simulator.accounts', kind: 'int' },
  { name: 'INGEST_SIM_PORT', path: 'source.simulator.port', kind: 'int' },
  { name: 'INGEST_INFLUENCERS_SOURCE', path: 'influencers.source', kind: 'string' },
  { name: 'INGEST_INFLUENCERS_FILE', path: 'influencers.file', kind: 'string' },
  { name: 'INGEST_INFLUENCERS_RECONCILE_MS', path: 'influencers.reconcileIntervalMs', kind: 'int' },
  { name: 'INGEST_REDIS_URL', path: 'redis.url', kind: 'string' },
  { name: 'INGEST_REDIS_USERNAME', path: 'redis.username', kind: 'string' },
  { name: 'INGEST_REDIS_PASSWORD', path: 'redis.password', kind: 'secret' },
  { name: 'INGEST_REDIS_TLS', path: 'redis.tls.enabled', kind: 'bool' },
  { name: 'INGEST_REDIS_KEY_PREFIX', path: 'redis.keyPrefix', kind: 'string' },
  { name: 'INGEST_CURSOR_STORE', path: 'positions.cursorStore', kind: 'string' },
  { name: 'INGEST_DEDUP_REDIS', path: 'fanin.dedup.redis.enabled', kind: 'bool' },
  { name: 'INGEST_KAFKA_BROKERS', path: 'sinks.kafka.brokers', kind: 'list' },
  { name: 'INGEST_KAFKA_CLIENT_ID', path: 'sinks.kafka.clientId', kind: 'string' },
  { name: 'INGEST_KAFKA_TOPIC', path: 'sinks.kafka.topic', kind: 'string' },
  { name: 'INGEST_KAFKA_DLQ_TOPIC', path: 'sinks.kafka.dlqTopic', kind: 'string' },
  { name: 'INGEST_KAFKA_CREATE_TOPICS', path: 'sinks.kafka.createTopics', kind: 'bool' },
  { name: 'INGEST_KAFKA_PARTITIONS', path: 'sinks.kafka.partitions', kind: 'int' },
  { name: 'INGEST_KAFKA_REPLICATION_FACTOR', path: 'sinks.kafka.replicationFactor', kind: 'int' },
  { name: 'INGEST_KAFKA_SASL_MECHANISM', path: 'sinks.kafka.sasl.mechanism', kind: 'string' },
  { name: 'INGEST_KAFKA_SASL_USERNAME', path: 'sinks.kafka.sasl.username', kind: 'string' },
  { name: 'INGEST_KAFKA_SASL_PASSWORD', path: 'sinks.kafka.sasl.password', kind: 'secret' },
  { name: 'INGEST_KAFKA_TLS', path: 'sinks.kafka.tls.enabled', kind: 'bool' },
  { name: 'INGEST_CLICKHOUSE_URL', path: 'sinks.clickhouse.url', kind: 'string' },
  { name: 'INGEST_CLICKHOUSE_USERNAME', path: 'sinks.clickhouse.username', kind: 'string' },
  { name: 'INGEST_CLICKHOUSE_PASSWORD', path: 'sinks.clickhouse.password', kind: 'secret' },
  { name: 'INGEST_CLICKHOUSE_DATABASE', path: 'sinks.clickhouse.database', kind: 'string' },
  { name: 'INGEST_LOCAL_ENABLED', path: 'sinks.local.enabled', kind: 'bool' },
  { name: 'INGEST_LOCAL_DIR', path: 'sinks.local.dir', kind: 'string' },
  { name: 'INGEST_PRINT_SIGNALS', path: 'sinks.local.printSignals', kind: 'bool' },
  { name: 'INGEST_SPOOL_DIR', path: 'sinks.spool.dir', kind: 'string' },
  { name: 'INGEST_HTTP_HOST', path: 'http.host', kind: 'string' },
  { name: 'INGEST_HTTP_PORT', path: 'http.port', kind: 'int' },
  { name: 'INGEST_HTTP_TOKEN', path: 'http.token', kind: 'secret' },
  { name: 'INGEST_LOG_LEVEL', path: 'log.level', kind: 'string' },
  { name: 'INGEST_LOG_PRETTY', path: 'log.pretty', kind: 'bool' },
  { name: 'INGEST_TRACING_EXPORTER', path: 'tracing.exporter', kind: 'string' },
  { name: 'INGEST_OTLP_ENDPOINT', path: 'tracing.endpoint', kind: 'string' },
  { name: 'INGEST_METRICS_PER_INFLUENCER', path: 'metrics.perInfluencerLabels', kind: 'bool' },
  { name: 'INGEST_ROLE', path: 'distributed.role', kind: 'string' },
  { name: 'INGEST_LISTENER_GROUP', path: 'distributed.listenerGroup', kind: 'string' },
  { name: 'INGEST_ADVERTISE_URL', path: 'distributed.advertiseUrl', kind: 'string' },
]);

export type Env = Readonly<Record<string, string | undefined>>;

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function convert(v: EnvVar, raw: string): unknown {
  switch (v.kind) {
    case 'int': {
      if (!/^-?\d+$/.test(raw.trim())) {
        throw new ConfigError('CONFIG_INVALID', `${v.name}: expected an integer, got ${JSON.stringify(raw)}`);
      }
      return Number(raw.trim());
    }
    case 'bool': {
      const t = raw.trim().toLowerCase();
      if (TRUE.has(t)) return true;
      if (FALSE.has(t)) return false;
      throw new ConfigError(
        'CONFIG_INVALID',
        `${v.name}: expected true or false, got ${JSON.stringify(raw)}`,
      );
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    default:
      return raw;
  }
}

export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

export function getPath(target: Record<string, unknown>, path: string): unknown {
  let node: unknown = target;
  for (const k of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * INGEST_EGRESS_POOLS: `name=target` entries separated by commas or newlines, where target is
 * a proxy URL, `local:<ip>` or `direct`. The variable decides which pools exist and how each
 * leaves the host (one Deployment per egress IP sets its own); per-pool `limits` stay in the
 * file and are kept for a pool of the same name. Messages never echo an entry: a proxy URL may
 * hold a password.
 */
export function parsePools(variable: string, text: string, fromFile: unknown): Record<string, unknown>[] {
  const filePools = new Map<string, Record<string, unknown>>();
  if (Array.isArray(fromFile)) {
    for (const p of fromFile) {
      if (typeof p === 'object' && p !== null && typeof (p as { name?: unknown }).name === 'string') {
        filePools.set((p as { name: string }).name, p as Record<string, unknown>);
      }
    }
  }
  const entries = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (entries.length === 0) throw new ConfigError('CONFIG_INVALID', `${variable}: no pool given`);
  const pools: Record<string, unknown>[] = [];
  entries.forEach((entry, i) => {
    const at = `${variable}: entry ${i + 1}`;
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `${at} is not name=target (target: a proxy URL, local:<ip> or direct)`,
      );
    }
    const name = entry.slice(0, eq).trim();
    const target = entry.slice(eq + 1).trim();
    if (pools.some((p) => p['name'] === name)) {
      throw new ConfigError('CONFIG_INVALID', `${at}: pool ${JSON.stringify(name)} is given twice`);
    }
    const pool: Record<string, unknown> = { name };
    const limits = filePools.get(name)?.['limits'];
    if (limits !== undefined) pool['limits'] = limits;
    if (target.startsWith('local:')) pool['localAddress'] = target.slice('local:'.length);
    else if (URL_LIKE.test(target)) pool['proxyUrl'] = target;
    else if (target !== 'direct') {
      throw new ConfigError(
        'CONFIG_INVALID',
        `${at} (pool ${JSON.stringify(name)}): target must be a proxy URL, local:<ip> or direct`,
      );
    }
    pools.push(pool);
  });
  return pools;
}

export interface EnvOverrides {
  /** Config path -> the variable that set it (for error messages and `config check`). */
  readonly applied: Map<string, string>;
}

/**
 * Applies every set variable to `raw` (a plain object from the file). Empty values count as
 * unset. A secret may be given as NAME or NAME_FILE (the file's content, trailing newline
 * trimmed), not both.
 */
export function applyEnv(
  raw: Record<string, unknown>,
  env: Env,
  readFile: (path: string) => string,
): EnvOverrides {
  const applied = new Map<string, string>();
  for (const v of ENV_VARS) {
    const direct = env[v.name];
    const fileVar = `${v.name}_FILE`;
    const filePath = acceptsFile(v.kind) ? env[fileVar] : undefined;
    const hasDirect = direct !== undefined && direct !== '';
    const hasFile = filePath !== undefined && filePath !== '';
    if (hasDirect && hasFile) {
      throw new ConfigError('CONFIG_INVALID', `${v.name} and ${fileVar} are both set; set one`);
    }
    if (hasDirect) {
      setPath(
        raw,
        v.path,
        v.kind === 'pools' ? parsePools(v.name, direct, getPath(raw, v.path)) : convert(v, direct),
      );
      applied.set(v.path, v.name);
    } else if (hasFile) {
      let content: string;
      try {
        content = readFile(filePath);
      } catch (e) {
        throw new ConfigError('CONFIG_NOT_FOUND', `${fileVar}: cannot read ${filePath}`, { cause: e });
      }
      const text = content.replace(/\r?\n$/, '');
      setPath(raw, v.path, v.kind === 'pools' ? parsePools(fileVar, text, getPath(raw, v.path)) : text);
      applied.set(v.path, fileVar);
    }
  }
  return { applied };
}

/** The process environment: the one place it is touched. Entry points pass it to loadConfig. */
export function systemEnv(): Env {
  return process.env;
}
