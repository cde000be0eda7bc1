/**
 * `set key=value` for one influencer: the table of settable keys, how each value is read from
 * text, and the validated result. Unknown keys and bookkeeping keys (id, createdAt, updatedAt,
 * version) fail with a one-line error listing what may be set.
 */
import { ValidationError, formatIssues } from '../core/index.js';
import { Influencer } from './model.js';

type Kind = 'string' | 'bool' | 'int' | 'number' | 'list';

/** Settable keys; optional ones accept an empty value to unset (fall back to the default). */
export const SETTABLE_KEYS: Readonly<Record<string, Kind>> = Object.freeze({
  address: 'string',
  label: 'string',
  enabled: 'bool',
  priority: 'int',
  markets: 'list',
  'signal.aggregation': 'string',
  'signal.marketClasses': 'list',
  'listeners.kinds': 'list',
  'backoff.initialDelayMs': 'int',
  'backoff.maxDelayMs': 'int',
  'backoff.factor': 'number',
  'backoff.jitter': 'number',
  'throttling.maxSignalsPerMinute': 'int',
  'throttling.resubscribeMinIntervalMs': 'int',
});

const REQUIRED = new Set(['address', 'label', 'enabled', 'priority', 'markets']);

function bad(message: string): ValidationError {
  return new ValidationError(message, [message]);
}

function readValue(key: string, kind: Kind, text: string): unknown {
  const t = text.trim();
  switch (kind) {
    case 'bool':
      if (t === 'true' || t === 'false') return t === 'true';
      throw bad(`${key}: expected true or false, got ${JSON.stringify(text)}`);
    case 'int':
    case 'number': {
      const n = Number(t);
      if (t === '' || !Number.isFinite(n) || (kind === 'int' && !Number.isInteger(n))) {
        throw bad(
          `${key}: expected ${kind === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(text)}`,
        );
      }
      return n;
    }
    case 'list':
      return t === '' ? [] : t.split(',').map((s) => s.trim());
    default:
      return t;
  }
}

/** Parses `key=value` words into (key, value) pairs, validating the keys. */
export function parseAssignments(words: readonly string[]): [string, string][] {
  if (words.length === 0) throw bad('nothing to set: give key=value pairs');
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw bad(`expected key=value, got ${JSON.stringify(w)}`);
    const key = w.slice(0, i).trim();
    if (!(key in SETTABLE_KEYS)) {
      throw bad(`unknown key "${key}" (settable: ${Object.keys(SETTABLE_KEYS).join(', ')})`);
    }
    return [key, w.slice(i + 1)];
  });
}

/** The record after the assignments, validated; bookkeeping (updatedAt, version) advanced. */
export function applyAssignments(rec: Influencer, words: readonly string[], nowIso: string): Influencer {
  const next = structuredClone(rec) as unknown as Record<string, Record<string, unknown>>;
  for (const [key, text] of parseAssignments(words)) {
    const kind = SETTABLE_KEYS[key] as Kind;
    const [head, sub] = key.split('.') as [string, string | undefined];
    const unset = text.trim() === '' && kind !== 'list';
    if (unset && REQUIRED.has(key)) throw bad(`${key}: a value is required`);
    const value = unset ? undefined : readValue(key, kind, text);
    if (sub === undefined) {
      (next as Record<string, unknown>)[head] = value;
    } else {
      // An empty value unsets the override, so the service default applies again.
      const drop = value === undefined || (Array.isArray(value) && value.length === 0);
      const rest = Object.entries(next[head] ?? {}).filter(([k]) => k !== sub);
      next[head] = Object.fromEntries(drop ? rest : [...rest, [sub, value]]);
    }
  }
  const candidate = { ...next, updatedAt: nowIso, version: rec.version + 1 };
  const r = Influencer.safeParse(candidate);
  if (!r.success) {
    const issues = formatIssues(r.error);
    throw new ValidationError(`invalid value: ${issues.join('; ')}`, issues, { cause: r.error });
  }
  return Object.freeze(r.data);
}
