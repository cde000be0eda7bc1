/** A Logger that records every line (level, bindings + fields, message) for assertions. */
import type { Logger } from '../../src/core/index.js';

export interface LogLine {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

export function captureLogger(
  lines: LogLine[] = [],
  bindings: Record<string, unknown> = {},
): Logger & {
  lines: LogLine[];
} {
  const at =
    (level: string) =>
    (a: Record<string, unknown> | string, b?: string): void => {
      if (typeof a === 'string') lines.push({ level, fields: { ...bindings }, msg: a });
      else lines.push({ level, fields: { ...bindings, ...a }, msg: b ?? '' });
    };
  return {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (more) => captureLogger(lines, { ...bindings, ...more }),
    isLevelEnabled: () => true,
  };
}
