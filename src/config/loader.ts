/**
 * Loading: file (YAML or JSON) -> environment overrides -> one strict parse -> deep freeze.
 * Which file: the `path` argument (`--config`), else INGEST_CONFIG, else none (the embedded
 * defaults: simulator source, influencers from the simulator, local sinks; what `npm start`
 * runs). Every problem is reported as one line naming the key, and a missing file is
 * CONFIG_NOT_FOUND, so the CLI can map both to exit codes.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError, errorMessage } from '../core/index.js';
import { CONFIG_PATH_ENV, applyEnv } from './env.js';
import type { Env } from './env.js';
import { rejectSecretsInFile, rejectUrlPasswords } from './secrets.js';
import { ServiceConfig, ServiceConfigInput } from './schema.js';

export interface LoadConfigOptions {
  /** Config file path (`--config`); overrides INGEST_CONFIG. */
  readonly path?: string | undefined;
  /** The environment; pass process.env from the entry point only. */
  readonly env?: Env;
  readonly cwd?: string;
  readonly readFile?: (path: string) => string;
}

export interface LoadedConfig {
  readonly config: ServiceConfig;
  /** The file read, absolute, or undefined for embedded defaults. */
  readonly file: string | undefined;
  /** Environment variables that overrode a setting, by config path. */
  readonly envOverrides: ReadonlyMap<string, string>;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Walks the input schema to the object at `path` and returns its keys (for "allowed: ..."). */
function keysAt(path: readonly PropertyKey[]): string[] | undefined {
  let node: z.ZodType = ServiceConfigInput;
  for (const k of [...path, null]) {
    for (;;) {
      const def = (node as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
      const inner = (def['innerType'] ?? (def['type'] === 'pipe' ? def['in'] : undefined)) as
        z.ZodType | undefined;
      if (inner === undefined) break;
      node = inner;
    }
    const def = (node as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (k === null) {
      const shape = def['shape'] as Record<string, unknown> | undefined;
      return shape === undefined ? undefined : Object.keys(shape);
    }
    if (def['type'] === 'object') {
      const next = (def['shape'] as Record<string, z.ZodType>)[String(k)];
      if (next === undefined) return undefined;
      node = next;
    } else if (def['type'] === 'array') {
      node = def['element'] as z.ZodType;
    } else return undefined;
  }
  return undefined;
}

/**
 * Keys this service once read and no longer does, with what to do instead: a config written
 * for an older build then fails naming the change, not just "unknown key".
 */
const RETIRED_KEYS: Readonly<Record<string, string>> = {
  'sinks.kafka.maxProducers':
    'removed: one idempotent producer per topic now sends a batch as one request per partition leader; delete the key',
};

/** One line per problem, naming the key path, the allowed keys or range, and the env var. */
export function formatConfigIssues(error: z.ZodError, env: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  for (const i of error.issues) {
    const base = i.path.map(String);
    if (i.code === 'unrecognized_keys') {
      const allowed = keysAt(i.path);
      for (const key of i.keys) {
        const where = [...base, key].join('.');
        const retired = RETIRED_KEYS[where];
        if (retired !== undefined) lines.push(`${where}: ${retired}`);
        else lines.push(`${where}: unknown key${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`);
      }
      continue;
    }
    const where = base.length > 0 ? base.join('.') : '(root)';
    // The variable that set this path or one of its parents (INGEST_EGRESS_POOLS sets a list).
    let from: string | undefined;
    for (let n = base.length; n > 0 && from === undefined; n--) from = env.get(base.slice(0, n).join('.'));
    lines.push(`${where}: ${i.message}${from ? ` (from ${from})` : ''}`);
  }
  return lines;
}

/** Parses an already-read raw object (file content plus env) into the frozen config. */
export function parseServiceConfig(
  raw: unknown,
  envOverrides: ReadonlyMap<string, string> = new Map(),
  what = 'config',
): ServiceConfig {
  const r = ServiceConfig.safeParse(raw);
  if (!r.success) {
    const problems = formatConfigIssues(r.error, envOverrides);
    throw new ConfigError('CONFIG_INVALID', `invalid ${what}: ${problems.join('; ')}`, {
      cause: r.error,
      context: { problems },
    });
  }
  return deepFreeze(r.data) as ServiceConfig;
}

function readConfigFile(file: string, readFile: (p: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readFile(file);
  } catch (e) {
    throw new ConfigError('CONFIG_NOT_FOUND', `config file ${file} cannot be read: ${errorMessage(e)}`, {
      cause: e,
    });
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    const problems = [`(file): not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${errorMessage(e)}`];
    throw new ConfigError('CONFIG_INVALID', `${file}: ${problems[0]}`, { cause: e, context: { problems } });
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    const problems = ['(root): expected a mapping of sections'];
    throw new ConfigError('CONFIG_INVALID', `${file}: ${problems[0]}`, { context: { problems } });
  }
  rejectSecretsInFile(raw, file);
  return raw as Record<string, unknown>;
}

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? {};
  const readFile = options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const named = options.path ?? (env[CONFIG_PATH_ENV] === '' ? undefined : env[CONFIG_PATH_ENV]);
  const file = named === undefined ? undefined : resolvePath(options.cwd ?? '.', named);
  const raw = file === undefined ? {} : readConfigFile(file, readFile);
  let overrides: ReadonlyMap<string, string>;
  try {
    overrides = applyEnv(raw, env, readFile).applied;
  } catch (e) {
    if (e instanceof ConfigError && e.context['problems'] === undefined) {
      throw new ConfigError(e.code, e.message, { cause: e.cause, context: { problems: [e.message] } });
    }
    throw e;
  }
  rejectUrlPasswords(raw, overrides);
  const config = parseServiceConfig(raw, overrides, file ?? 'embedded default config');
  return { config, file, envOverrides: overrides };
}
