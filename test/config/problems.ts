/** The problems a config error lists (or its message), for tests that expect one. */
import { isIngestError } from '../../src/core/index.js';

export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (isIngestError(e)) return (e.context['problems'] as string[] | undefined) ?? [e.message];
    throw e;
  }
  throw new Error('expected a config error');
}
