/**
 * Secrets: which config paths hold them, the check that keeps them out of config files, and
 * maskSecrets for anything printed or logged. URL user-info passwords are masked too.
 */
import { ConfigError } from '../core/index.js';
import { ENV_VARS } from './env.js';

export const MASK = '***';

/** Config paths that are secrets (every `secret` row of the env table). */
export const SECRET_PATHS: readonly string[] = Object.freeze(
  ENV_VARS.filter((v) => v.kind === 'secret').map((v) => v.path),
);

/** URL fields whose user-info password would be a secret in a file. */
const URL_PATHS = ['redis.url', 'sinks.clickhouse.url'];

function getPath(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const k of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[k];
  }
  return node;
}

function urlHasPassword(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    return new URL(v).password !== '';
  } catch {
    return false;
  }
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
      problems.push(`${p}: the URL contains a password; put it in the environment instead`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError('CONFIG_INVALID', `${file}: ${problems.join('; ')}`, { context: { problems } });
  }
}

function maskUrl(v: string): string {
  try {
    const u = new URL(v);
    if (u.password === '') return v;
    u.password = MASK;
    return u.toString();
  } catch {
    return v;
  }
}

function maskNode(node: unknown, path: string): unknown {
  if (SECRET_PATHS.includes(path)) return node === undefined ? undefined : MASK;
  if (typeof node === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(node) ? maskUrl(node) : node;
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
