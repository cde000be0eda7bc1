/**
 * Errors and log fields across the thread boundary. Structured cloning keeps an Error's message
 * but drops what our handlers read (`code`, `retriable`, `context`), and refuses functions and
 * sockets a log field may hold; so both cross as plain data and errors are rebuilt on arrival.
 */
import { ERROR_CODES, IngestError, SinkError, TimeoutError, errorMessage } from '../../core/index.js';
import type { ErrorCode } from '../../core/index.js';
import type { PlainError } from './messages.js';

export function toPlainError(err: unknown): PlainError {
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; retriable?: unknown; context?: unknown; type?: unknown };
    return {
      name: e.name,
      message: e.message,
      ...(typeof e.code === 'string' ? { code: e.code } : typeof e.type === 'string' ? { code: e.type } : {}),
      ...(typeof e.retriable === 'boolean' ? { retriable: e.retriable } : {}),
      ...(e.context && typeof e.context === 'object'
        ? { context: plainFields(e.context as Record<string, unknown>) }
        : {}),
      ...(e.stack === undefined ? {} : { stack: e.stack }),
      ...systemFields(e),
    };
  }
  return { name: 'Error', message: errorMessage(err) };
}

/** The error again: our own classes by name and code (so `instanceof` and `code` still work). */
export function fromPlainError(p: PlainError): Error {
  const options = {
    ...(p.retriable === undefined ? {} : { retriable: p.retriable }),
    ...(p.context === undefined ? {} : { context: p.context }),
  };
  let err: Error;
  if (p.name === 'TimeoutError') err = new TimeoutError(p.message, options);
  else if (p.code !== undefined && isErrorCode(p.code))
    err =
      p.name === 'SinkError'
        ? new SinkError(p.code, p.message, options)
        : new IngestError(p.code, p.message, options);
  else {
    err = new Error(p.message);
    // A client's own code (a kafkajs error type, say) stays readable where it was.
    if (p.code !== undefined) Object.assign(err, { code: p.code });
  }
  err.name = p.name;
  if (p.system) Object.assign(err, p.system);
  if (p.stack !== undefined) err.stack = p.stack;
  return err;
}

const SYSTEM_FIELDS = ['code', 'syscall', 'path', 'errno', 'port', 'address'] as const;

function systemFields(e: Error): { system?: Record<string, string | number> } {
  const src = e as unknown as Record<string, unknown>;
  if (typeof src['syscall'] !== 'string') return {};
  const system: Record<string, string | number> = {};
  for (const k of SYSTEM_FIELDS) {
    const v = src[k];
    if (typeof v === 'string' || typeof v === 'number') system[k] = v;
  }
  return { system };
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** A log record's fields as data: errors as PlainError, anything else cloneable or else its text. */
export function plainFields(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = plainValue(v, 0);
  return out;
}

function plainValue(v: unknown, depth: number): unknown {
  if (v instanceof Error) return toPlainError(v);
  if (v === null || typeof v !== 'object')
    return typeof v === 'function' || typeof v === 'symbol' ? String(v) : v;
  if (depth > 4) return '[deep]';
  if (Array.isArray(v)) return v.map((x) => plainValue(x, depth + 1));
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return String(v);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = plainValue(x, depth + 1);
  return out;
}
