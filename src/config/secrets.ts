/**
 * Secrets: which config paths hold them, the checks that keep them out of config files and out
 * of URLs, and maskSecrets for anything printed or logged (URL credentials are masked by the
 * one helper, core's redactUrl).
 *
 * A password inside the Redis or ClickHouse URL is refused, from the file and from the
 * environment alike: it would be printed wherever the URL is, and it would silently override
 * the password variable. The error names the variable to use instead.
 */
import { ConfigError, redactUrl, urlHasPassword } from '../core/index.js';
import { ENV_VARS } from './env.js';

export const MASK = '***';

/** Config paths that are secrets (every `secret` row of the env table). */
export const SECRET_PATHS: readonly string[] = Object.freeze(
  ENV_VARS.filter((v) => v.kind === 'secret').map((v) => v.path),
);

/** URL fields that have a password variable of their own, so a password in the URL is refused. */
const URL_PATHS = ['redis.url', 'sinks.clickhouse.url'];
const PASSWORD_VAR: Readonly<Record<string, string>> = {
  'redis.url': 'INGEST_REDIS_PASSWORD',
  'sinks.clickhouse.url': 'INGEST_CLICKHOUSE_PASSWORD',
};

function getPath(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const k of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

/** Throws a ConfigError listing every secret found in a config file's raw content. */
export function rejectSecretsInFile(raw: unknown, file: string): void {
  const problems: string[] = [];
  for (const p of SECRET_PATHS) {
    if (getPath(raw, p) !== undefined) {
      const v = ENV_VARS.find((e) => e.path === p)?.name ?? '';
      problems.push(`${p}: secrets may not be set in the config file; use ${v} or ${v}_FILE`);
    }
  }
  for (const p of URL_PATHS) {
    if (urlHasPassword(getPath(raw, p))) {
      const v = PASSWORD_VAR[p] ?? '';
      problems.push(`${p}: the URL contains a password; put it in ${v} or ${v}_FILE instead`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError('CONFIG_INVALID', `${file}: ${problems.join('; ')}`, { context: { problems } });
  }
}

/**
 * Throws a ConfigError when an environment variable put a password into a Redis or ClickHouse
 * URL. The message names the variable and never echoes the URL.
 */
export function rejectUrlPasswords(raw: unknown, overrides: ReadonlyMap<string, string>): void {
  const problems: string[] = [];
  for (const p of URL_PATHS) {
    if (!urlHasPassword(getPath(raw, p))) continue;
    const from = overrides.get(p) ?? p;
    const v = PASSWORD_VAR[p] ?? '';
    problems.push(
      `${from}: the URL contains a password; remove it and set ${v} or ${v}_FILE (a password in the URL is refused so it cannot leak into logs or override ${v})`,
    );
  }
  if (problems.length > 0) {
    throw new ConfigError('CONFIG_INVALID', problems.join('; '), { context: { problems } });
  }
}

function maskNode(node: unknown, path: string): unknown {
  if (SECRET_PATHS.includes(path)) return node === undefined ? undefined : MASK;
  if (typeof node === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(node) ? redactUrl(node) : node;
  if (Array.isArray(node)) return node.map((x, i) => maskNode(x, `${path}.${i}`));
  if (typeof node === 'object' && node !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = maskNode(v, path === '' ? k : `${path}.${k}`);
    return out;
  }
  return node;
}

/** A copy safe to print or log: secret fields become "***", URL passwords are masked. */
export function maskSecrets<T>(config: T): T {
  return maskNode(config, '') as T;
}
