/**
 * Start-up failures of `ingest run` as one human line: what is wrong and which setting fixes
 * it, plus the exit code scripts rely on. The table is the one place that knows them; a new
 * failure (or a new error code from a lower layer) is one more row. The first row that
 * matches wins; an unknown error still gets one line and the generic mapping of exit-codes.ts.
 */
import { errorMessage, isIngestError } from '../core/index.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

/** What a row may use to word its line: the settings in effect. */
export interface StartupContext {
  readonly httpHost: string;
  readonly httpPort: number;
  readonly simulatorPort: number | null;
  readonly spoolDir: string;
  readonly redisUrl: string;
}

interface Row {
  readonly name: string;
  readonly exit: number;
  /** The line (without the `ingest: ` prefix), or null when the row does not apply. */
  readonly describe: (e: unknown, ctx: StartupContext) => string | null;
}

interface SystemErrorLike {
  readonly code?: unknown;
  readonly syscall?: unknown;
  readonly port?: unknown;
  readonly address?: unknown;
  readonly path?: unknown;
}

function sys(e: unknown): SystemErrorLike {
  return typeof e === 'object' && e !== null ? (e as SystemErrorLike) : {};
}

function listenError(e: unknown, codes: readonly string[]): { port: number; address: string } | null {
  const s = sys(e);
  if (s.syscall !== 'listen' || !codes.includes(String(s.code))) return null;
  return { port: Number(s.port), address: typeof s.address === 'string' ? s.address : '' };
}

/** The setting that names a port: the ops server's, or the embedded simulator's. */
function portSetting(port: number, ctx: StartupContext): string {
  return ctx.simulatorPort !== null && port === ctx.simulatorPort && port !== ctx.httpPort
    ? 'INGEST_SIM_PORT'
    : 'INGEST_HTTP_PORT';
}

/** Error codes a spool lock may fail with when another live process holds the directory. */
const SPOOL_HELD_CODES: ReadonlySet<string> = new Set(['SPOOL_LOCKED', 'SPOOL_HELD']);
const SPOOL_HELD_MESSAGE = /spool .*(in use by|held by|locked by)/i;

const ROWS: readonly Row[] = [
  {
    name: 'port in use',
    exit: EXIT.CONFLICT,
    describe: (e, ctx) => {
      const l = listenError(e, ['EADDRINUSE']);
      return l && `port ${l.port} is in use (another instance?); set ${portSetting(l.port, ctx)}`;
    },
  },
  {
    name: 'cannot listen',
    exit: EXIT.INVALID,
    describe: (e, ctx) => {
      const l = listenError(e, ['EACCES', 'EADDRNOTAVAIL', 'EPERM']);
      if (!l) return null;
      const what =
        sys(e).code === 'EADDRNOTAVAIL' ? `address ${l.address} is not on this host` : 'permission denied';
      return `cannot listen on ${l.address}:${l.port} (${what}); set INGEST_HTTP_HOST or ${portSetting(l.port, ctx)}`;
    },
  },
  {
    name: 'spool held by a live instance',
    exit: EXIT.CONFLICT,
    describe: (e, ctx) => {
      const held =
        (isIngestError(e) && SPOOL_HELD_CODES.has(e.code)) || SPOOL_HELD_MESSAGE.test(errorMessage(e));
      return held
        ? `spool directory ${ctx.spoolDir} is held by another live instance (${errorMessage(e)}); stop it or set INGEST_SPOOL_DIR to a directory of this instance's own`
        : null;
    },
  },
  {
    name: 'spool not writable',
    exit: EXIT.INVALID,
    describe: (e, ctx) => {
      const code = String(sys(e).code);
      if (!['EACCES', 'EROFS', 'ENOTDIR', 'EPERM', 'ENOENT', 'ENOSPC'].includes(code)) return null;
      const path = sys(e).path;
      if (typeof path !== 'string' || !path.startsWith(ctx.spoolDir)) return null;
      return `spool directory ${ctx.spoolDir} is not usable (${errorMessage(e)}); fix its permissions or set INGEST_SPOOL_DIR`;
    },
  },
  {
    name: 'redis unreachable',
    exit: EXIT.UNAVAILABLE,
    describe: (e) =>
      isIngestError(e) && e.code === 'REDIS_UNAVAILABLE'
        ? `${errorMessage(e)}; positions resume from cursors in Redis: set INGEST_REDIS_URL, or INGEST_CURSOR_STORE=memory to run without Redis`
        : null,
  },
  {
    name: 'sink unreachable',
    exit: EXIT.UNAVAILABLE,
    describe: (e) =>
      isIngestError(e) && e.code === 'SINK_UNAVAILABLE'
        ? `${errorMessage(e)}; check the sink's address (INGEST_KAFKA_BROKERS, INGEST_CLICKHOUSE_URL)`
        : null,
  },
  {
    name: 'invalid configuration',
    exit: EXIT.INVALID,
    describe: (e) =>
      isIngestError(e) && (e.code === 'CONFIG_INVALID' || e.code === 'VALIDATION')
        ? `invalid configuration: ${errorMessage(e)}`
        : null,
  },
];

export interface StartupFailure {
  readonly line: string;
  readonly exitCode: number;
  /** The table row that matched (tests and the README table use it). */
  readonly kind: string;
}

/** One line and an exit code for a failure of `ingest run` before it was started. */
export function describeStartupFailure(e: unknown, ctx: StartupContext): StartupFailure {
  for (const row of ROWS) {
    const line = row.describe(e, ctx);
    if (line !== null) return { line: oneLine(line), exitCode: row.exit, kind: row.name };
  }
  return { line: oneLine(`start-up failed: ${errorMessage(e)}`), exitCode: exitCodeFor(e), kind: 'other' };
}

/** Row names and exit codes, in table order (for the README table and its test). */
export const STARTUP_FAILURES: readonly { readonly kind: string; readonly exit: number }[] = ROWS.map(
  (r) => ({ kind: r.name, exit: r.exit }),
);

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
