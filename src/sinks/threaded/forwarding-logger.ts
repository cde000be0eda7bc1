/**
 * The sink thread's Logger: each record goes to the main thread, which writes it with its own
 * logger (same destination, redaction and format). The sink logs little (failures, mode
 * changes), so the message per record costs nothing that matters.
 */
import type { LogFn, Logger } from '../../core/index.js';
import type { FromWorker } from './messages.js';
import { plainFields } from './plain.js';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export function forwardingLogger(
  post: (m: FromWorker) => void,
  enabled: ReadonlySet<string>,
  bindings: Record<string, unknown> = {},
): Logger {
  const at =
    (level: Level): LogFn =>
    (objOrMsg: Record<string, unknown> | string, msg?: string) => {
      if (!enabled.has(level)) return;
      if (typeof objOrMsg === 'string') post({ t: 'log', level, bindings, obj: {}, msg: objOrMsg });
      else
        post({
          t: 'log',
          level,
          bindings,
          obj: plainFields(objOrMsg),
          ...(msg === undefined ? {} : { msg }),
        });
    };
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (more) => forwardingLogger(post, enabled, { ...bindings, ...plainFields(more) }),
    isLevelEnabled: (level) => enabled.has(level),
  };
}
