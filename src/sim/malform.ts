/**
 * Malformed-frame generators for fault injection: a truncated (invalid JSON) frame, a frame
 * whose fields have the wrong JSON types, and a frame with a decimal string that is not a
 * plain decimal. They target the first fill/trade-like object so a client's validation (and
 * dead-letter path) is exercised on the data it cares about.
 */
import type { Frame } from './frames.js';

export const MALFORM_KINDS = ['invalid-json', 'wrong-types', 'bad-decimal'] as const;
export type MalformKind = (typeof MALFORM_KINDS)[number];

function firstWith(v: unknown, key: string): Record<string, unknown> | undefined {
  if (Array.isArray(v)) {
    for (const x of v) {
      const r = firstWith(x, key);
      if (r) return r;
    }
    return undefined;
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (key in o) return o;
    for (const x of Object.values(o)) {
      const r = firstWith(x, key);
      if (r) return r;
    }
  }
  return undefined;
}

/** The text to send instead of `frame`. */
export function malformFrame(frame: Frame, kind: MalformKind): string {
  const text = JSON.stringify(frame);
  if (kind === 'invalid-json') return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  const copy = JSON.parse(text) as Frame;
  const target = firstWith(copy.data, 'px') ?? firstWith(copy.data, 'szi');
  if (!target) {
    if (kind === 'wrong-types') return JSON.stringify({ ...copy, data: 42 });
    return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  }
  if (kind === 'wrong-types') {
    if ('px' in target) target['px'] = Number(target['px']);
    if ('tid' in target) target['tid'] = String(target['tid']);
    if ('time' in target) target['time'] = String(target['time']);
    if ('szi' in target) target['szi'] = Number(target['szi']);
  } else {
    if ('px' in target) target['px'] = '1e5';
    if ('sz' in target) target['sz'] = 'NaN';
    if ('szi' in target) target['szi'] = '--1';
  }
  return JSON.stringify(copy);
}
