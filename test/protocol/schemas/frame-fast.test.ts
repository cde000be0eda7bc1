import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { acceptFrame } from '../../../src/protocol/schemas/frame-fast.js';
import { FRAME_SCHEMAS } from '../../../src/protocol/schemas/ws.js';
import type { Channel } from '../../../src/protocol/schemas/ws.js';
import { expectAgreement } from './agreement.js';
import type { Zodlike } from './agreement.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../fixtures/hyperliquid/${name}`, import.meta.url), 'utf8')) as T;

const FAST = new Set(['userFills', 'clearinghouseState', 'allDexsClearinghouseState']);

const recorded: Record<string, Json>[] = [
  ...fixture<{ frames: { text: string }[] }>('ws-frames.json').frames.map(
    (f) => JSON.parse(f.text) as Record<string, Json>,
  ),
  ...fixture<{ frames: Record<string, Json>[] }>('ws-state-frames.json').frames,
];
const fastOnes = recorded.filter((f) => FAST.has(String(f['channel'])));

/** Every path into a JSON value (the root excluded). */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...at, i], ...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push([...at, k], ...paths(x, [...at, k]));
  return out;
}

/**
 * A deep copy with the value at `path` replaced, removed (the REMOVE mark), or grown by one
 * element or key (the APPEND mark: a tuple with a third element, an extra field).
 */
const REMOVE = Symbol('remove');
const APPEND = Symbol('append');

function grown(x: Json): Json {
  if (Array.isArray(x)) return [...x, x[0] ?? 'extra'];
  if (x !== null && typeof x === 'object') return { ...x, extra: 1 };
  return x;
}

function edited(v: Json, path: readonly (string | number)[], value: unknown): Json {
  if (path.length === 0) return value as Json;
  // An earlier edit replaced a node on the way: nothing left to edit below it.
  if (v === null || typeof v !== 'object') return v;
  const [head, ...rest] = path;
  if (Array.isArray(v)) {
    const copy = [...v];
    if (rest.length === 0 && value === REMOVE) copy.splice(Number(head), 1);
    else if (rest.length === 0 && value === APPEND) copy[Number(head)] = grown(copy[Number(head)] as Json);
    else copy[Number(head)] = edited(copy[Number(head)] as Json, rest, value);
    return copy;
  }
  const obj = v as Record<string, Json>;
  const copy: Record<string, Json> = {};
  for (const [k, x] of Object.entries(obj)) {
    if (k !== String(head)) copy[k] = x;
    else if (rest.length === 0 && value === APPEND) copy[k] = grown(x);
    else if (rest.length > 0 || value !== REMOVE) copy[k] = edited(x, rest, value);
  }
  return copy;
}

const oddValue = fc.oneof(
  fc.constantFrom<unknown>(
    REMOVE,
    REMOVE,
    APPEND,
    APPEND,
    undefined,
    null,
    '',
    '0',
    '-0.5',
    '1e5',
    '01.5',
    '.5',
    '123456789012345678901',
    'cross',
    'oneWay',
    '0x360878D351F05975E25F1807A27895E1E5E004FB',
    '0x360878d351f05975e25f1807a27895e1e5e004fb',
    true,
    false,
    0,
    -1,
    1.5,
    NaN,
    Infinity,
    Number.MAX_SAFE_INTEGER + 1,
    [],
    {},
    ['xyz', {}],
  ),
  fc.string({ maxLength: 6 }),
  fc.integer(),
);

describe('hand-written frame acceptors agree with the zod frame schemas', () => {
  it('accept every recorded frame of their channels, as zod parses it', () => {
    expect(new Set(fastOnes.map((f) => f['channel']))).toEqual(FAST);
    for (const f of fastOnes) {
      const fast = acceptFrame(f);
      expect(fast, JSON.stringify(f).slice(0, 120)).not.toBeNull();
      expect(fast).toEqual(FRAME_SCHEMAS[f['channel'] as Channel].parse(f));
    }
  });

  it('leave every other channel to zod', () => {
    const others = recorded.filter((f) => !FAST.has(String(f['channel'])));
    expect(others.length).toBeGreaterThan(5);
    for (const f of others) expect(acceptFrame(f)).toBeNull();
  });

  it('never accept a mutated frame zod refuses, and return what zod returns', () => {
    const mutation = fc
      .constantFrom(...fastOnes)
      .chain((frame) =>
        fc
          .array(fc.record({ path: fc.constantFrom(...paths(frame)), value: oddValue }), {
            minLength: 1,
            maxLength: 2,
          })
          .map((edits) => edits.reduce<Json>((row, e) => edited(row, e.path, e.value), frame)),
      )
      .filter(
        (row): row is Record<string, Json> => row !== null && typeof row === 'object' && !Array.isArray(row),
      );
    expectAgreement(
      mutation,
      acceptFrame,
      (row) => FRAME_SCHEMAS[String(row['channel']) as Channel] as Zodlike | undefined,
      { seed: 1801, numRuns: 30_000, minEach: 1000 },
    );
  });

  it('upper-case user addresses go to zod, which lower-cases them', () => {
    const f = fastOnes.find((x) => x['channel'] === 'clearinghouseState') as Record<string, Json>;
    const upper = edited(f, ['data', 'user'], '0x360878D351F05975E25F1807A27895E1E5E004FB') as Record<
      string,
      Json
    >;
    expect(acceptFrame(upper)).toBeNull();
    const parsed = FRAME_SCHEMAS.clearinghouseState.parse(upper);
    expect(parsed.data.user).toBe('0x360878d351f05975e25f1807a27895e1e5e004fb');
  });
});
