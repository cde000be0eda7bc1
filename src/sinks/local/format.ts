/**
 * A one-line, human-readable rendering of a signal for stdout in the embedded default. It
 * knows nothing of the Signal type (that lives in src/positions): it shows the key and the
 * signal's top-level scalar fields, so it keeps working when the contract grows.
 */
import type { SinkRecord } from '../ports.js';

/** Fields shown first when present, in this order; the rest follow alphabetically. */
const LEADING = ['type', 'kind', 'action', 'side', 'size', 'sz', 'price', 'px'];
const MAX_FIELDS = 10;

export function formatSignalLine(record: SinkRecord): string {
  const time = new Date(record.createdAt).toISOString().slice(11, 23);
  let fields: [string, unknown][] = [];
  try {
    const v = JSON.parse(record.value) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) fields = Object.entries(v);
  } catch {
    return `${time} ${record.key} ${record.value}`;
  }
  const scalars = fields.filter(([, x]) => x === null || ['string', 'number', 'boolean'].includes(typeof x));
  const rank = (k: string): number => {
    const i = LEADING.indexOf(k);
    return i < 0 ? LEADING.length : i;
  };
  scalars.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  const shown = scalars.slice(0, MAX_FIELDS).map(([k, x]) => `${k}=${String(x)}`);
  return `${time} ${record.key} ${shown.join(' ')}`.trimEnd();
}
