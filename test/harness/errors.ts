// The one error the harness throws when a service cannot be installed, started or reached. Its
// message is the whole diagnosis, because it is what a failing CI log shows: which service, what
// happened, the likely fix, and the tail of the service's own log.
import { tail } from './process.js';
import type { ServiceName } from './types.js';

const LOG_TAIL_LINES = 30;

export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly service: ServiceName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface FailureDetails {
  /** What went wrong, e.g. "exited with code 1 while starting". */
  what: string;
  /** The likely fix, as one actionable sentence. */
  fix: string;
  logFiles?: string[];
  cause?: unknown;
}

export function serviceFailure(service: ServiceName, d: FailureDetails): ServiceError {
  const parts = [`[test services] ${service}: ${d.what}`, `Likely fix: ${d.fix}`];
  for (const file of d.logFiles ?? []) {
    parts.push(`--- last ${LOG_TAIL_LINES} lines of ${file} ---\n${tail(file, LOG_TAIL_LINES)}`);
  }
  return new ServiceError(service, parts.join('\n'), { cause: d.cause });
}

/** Short text of any thrown value, for "last probe error" lines. */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== undefined && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** Fixes for failure patterns every service shares; services add their own first. */
export function commonHint(logText: string, ports: Record<string, number>): string | undefined {
  if (/address already in use|EADDRINUSE|Address in use|bind.*failed/i.test(logText)) {
    const list = Object.entries(ports)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return `a port is already in use (${list}): stop whatever listens there (ss -ltnp) or unset the TEST_*_PORT variables so free ports are chosen`;
  }
  if (/permission denied/i.test(logText)) {
    return 'a file or port was not accessible: check that the temp dir (TMPDIR) is writable and the ports are > 1024';
  }
  if (/out of memory|cannot allocate memory|OutOfMemoryError/i.test(logText)) {
    return 'the machine ran out of memory: free memory or run fewer jobs in parallel';
  }
  return undefined;
}
