/**
 * The process logger: pino, JSON lines on stderr, with secrets redacted by path. stderr, always:
 * stdout is for command output (signal lines, `config check`), so the two never mix.
 * There is no pretty mode: pino-pretty is not a dependency, and log shippers want JSON.
 *
 * Conventions (every component follows them; see src/obs/README.md):
 * - each component takes the root logger and calls `logger.child({ component: 'sink.kafka' })`;
 * - per-item work adds a child with the identifiers it concerns: `influencer`, `market`,
 *   `eventId`, `listener` (listener id, e.g. `inf-42/primary`);
 * - errors go under `err` (pino serialises message, stack, code, cause);
 * - check `logger.isLevelEnabled('debug')` before building expensive debug payloads;
 * - the level can change at runtime through `PUT /log-level` (ObsServer + LogLevelControl).
 */
import { pino } from 'pino';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { redactUrlsIn } from '../core/index.js';
import type { LogLevel } from './ports.js';

/**
 * Paths pino redacts, at the top level and nested up to three objects deep (pino has no
 * recursive wildcard). Covers the config tree (`kafka.sasl.password`, `redis.password`) and
 * HTTP headers.
 */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  'password',
  '*.password',
  '*.*.password',
  '*.*.*.password',
  'sasl.password',
  '*.sasl.password',
  '*.*.sasl.password',
  'authorization',
  '*.authorization',
  '*.*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  'token',
  '*.token',
  'secret',
  '*.secret',
]);

export const REDACTED = '[REDACTED]';

/** Top-level string fields holding a URL, with credentials masked (core's redactUrlsIn). */
function maskUrlFields(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string' || !v.includes('://')) continue;
    const masked = redactUrlsIn(v);
    if (masked !== v) (out ??= { ...obj })[k] = masked;
  }
  return out ?? obj;
}

export interface CreateLoggerOptions {
  /** Initial level; default `info`. */
  readonly level?: LogLevel;
  /** Service name in every line; default `hl-influencer-ingest`. */
  readonly name?: string;
  /** Fields added to every line (e.g. instance id, egress pool). */
  readonly base?: Readonly<Record<string, unknown>>;
  /** Extra paths to redact on top of REDACT_PATHS. */
  readonly redact?: readonly string[];
  /** Where lines go; default stderr (synchronous, so a crash does not lose the last lines). */
  readonly destination?: DestinationStream;
  /**
   * Config `log.pretty`. pino-pretty is not a dependency, so this only logs a warning and the
   * output stays JSON (pipe it through `npx pino-pretty` locally if you want colours).
   */
  readonly pretty?: boolean;
}

export function createLogger(options: CreateLoggerOptions = {}): PinoLogger {
  const logger = pino(
    {
      name: options.name ?? 'hl-influencer-ingest',
      level: options.level ?? 'info',
      base: { pid: process.pid, ...options.base },
      redact: { paths: [...REDACT_PATHS, ...(options.redact ?? [])], censor: REDACTED },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        // Level as a word, not pino's number: what log queries and humans expect.
        level: (label) => ({ level: label }),
        // A URL in a field (wsUrl, proxyUrl, a sink description) never carries its credentials.
        log: maskUrlFields,
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
  if (options.pretty === true) {
    logger.warn('log.pretty is set but pino-pretty is not installed; logging JSON lines');
  }
  return logger;
}
