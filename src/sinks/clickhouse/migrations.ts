/**
 * Versioned DDL migrations (contracts/clickhouse/NNNN_name.sql), applied in order at start-up
 * and recorded in `schema_migrations`. Every statement is idempotent, so two instances racing
 * at start-up both succeed; the table is a ReplacingMergeTree, so a double record collapses.
 * Runs against any SqlExecutor: @clickhouse/client in production, chdb in unit tests.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError, silentLogger, systemClock } from '../../core/index.js';
import type { Clock, Logger } from '../../core/index.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
  readonly checksum: string;
}

/** The two calls the runner needs; both adapters (HTTP client, chdb) implement them. */
export interface SqlExecutor {
  command(sql: string): Promise<void>;
  queryRows(sql: string): Promise<Record<string, unknown>[]>;
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

const BOOTSTRAP = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32,
    name String,
    checksum String,
    applied_at UInt64
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version`;

/** contracts/clickhouse, found from src/ (tsx) or dist/src/ (built). */
export function defaultMigrationsDir(): string {
  for (const rel of ['../../../contracts/clickhouse/', '../../../../contracts/clickhouse/']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new ConfigError(
    'CONFIG_NOT_FOUND',
    'contracts/clickhouse (DDL migrations) not found next to the code',
  );
}

/** Split a file into statements: `;` ends a statement, `--` lines are comments. */
export function splitStatements(sql: string): string[] {
  const body = sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return body
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export async function loadMigrations(dir = defaultMigrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = FILE_RE.exec(file);
    if (!m?.[1] || !m[2])
      throw new ConfigError('CONFIG_INVALID', `migration file name must be NNNN_name.sql: ${file}`);
    const text = await readFile(`${dir}/${file}`, 'utf8');
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) {
      throw new ConfigError('CONFIG_INVALID', `two migrations share version ${version}`);
    }
    out.push({
      version,
      name: m[2],
      statements: splitStatements(text),
      checksum: createHash('sha256').update(text).digest('hex'),
    });
  }
  return out;
}

export interface MigrationResult {
  readonly applied: number[];
  readonly skipped: number[];
}

export async function applyMigrations(
  exec: SqlExecutor,
  migrations: readonly Migration[],
  options: { readonly logger?: Logger; readonly clock?: Pick<Clock, 'now'> } = {},
): Promise<MigrationResult> {
  const logger = (options.logger ?? silentLogger).child({ component: 'sink.clickhouse.migrations' });
  const clock = options.clock ?? systemClock;
  await exec.command(BOOTSTRAP);
  const rows = await exec.queryRows('SELECT version, checksum FROM schema_migrations FINAL');
  const done = new Map(rows.map((r) => [Number(r['version']), String(r['checksum'])]));
  const applied: number[] = [];
  const skipped: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const previous = done.get(m.version);
    if (previous !== undefined) {
      if (previous !== m.checksum) {
        logger.warn(
          { version: m.version, name: m.name },
          'applied migration file changed since; add a new migration instead',
        );
      }
      skipped.push(m.version);
      continue;
    }
    for (const statement of m.statements) await exec.command(statement);
    await exec.command(
      `INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (${m.version}, '${m.name}', '${m.checksum}', ${clock.now()})`,
    );
    logger.info({ version: m.version, name: m.name }, 'applied migration');
    applied.push(m.version);
  }
  return { applied, skipped };
}
