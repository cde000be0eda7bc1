/**
 * The consumer's rules without Kafka: decoding (contract schema, tolerant of compatible v1
 * additions, named reasons for what it refuses), the bounded dedupe window, the position chain,
 * `--since` parsing, and that the consumer's import graph stays clear of the ingester's runtime.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DedupeWindow, PositionChain, decodeSignal } from '../../src/consumer/index.js';
import { parseSince } from '../../src/cli/commands/signals.js';
import { signalHeaders } from '../../src/positions/index.js';
import { asRecord, chain, signal } from './fixtures.js';

const [s1, s2] = chain('inf-1', 'BTC', ['1', '-0.5']) as [
  ReturnType<typeof signal>,
  ReturnType<typeof signal>,
];

describe('decodeSignal', () => {
  it('accepts a contract signal and tolerates compatible v1 additions', () => {
    expect(decodeSignal(asRecord(s1))).toEqual({ ok: true, signal: s1 });
    const grown = {
      ...s1,
      newField: 1,
      marketClass: 'prediction',
      quality: { ...s1.quality, newFlag: true },
      metadata: { ...s1.metadata, reconcileReason: 'a-new-reason', newKey: 'x' },
    };
    const d = decodeSignal({ ...asRecord(s1), value: JSON.stringify(grown) });
    expect(d.ok).toBe(true);
    if (d.ok) {
      expect(d.signal.marketClass).toBe('prediction');
      expect(d.signal).not.toHaveProperty('newField');
      expect(d.signal.quality).not.toHaveProperty('newFlag');
    }
  });

  it('names what is wrong', () => {
    const bad = (value: string | null, extra: object = {}) =>
      decodeSignal({ ...asRecord(s1), value, ...extra });
    expect(bad(null)).toMatchObject({ ok: false, reason: 'empty' });
    expect(bad('{')).toMatchObject({ ok: false, reason: 'not-json' });
    const schema = bad(JSON.stringify({ ...s1, position: '1e3' }));
    expect(schema).toMatchObject({ ok: false, reason: 'schema' });
    expect(schema.ok ? '' : schema.problems.join()).toMatch(/position/);
    expect(
      bad(JSON.stringify(s1), { headers: { ...signalHeaders(), 'schema-version': Buffer.from('2') } }),
    ).toMatchObject({
      ok: false,
      reason: 'schema-version',
    });
    expect(bad(JSON.stringify(s1), { key: 'inf-1|ETH' })).toMatchObject({
      ok: false,
      reason: 'key-mismatch',
    });
  });
});

describe('DedupeWindow', () => {
  it('remembers the last N ids, evicting the oldest first', () => {
    const w = new DedupeWindow(3, ['a']);
    for (const id of ['b', 'c', 'b']) w.add(id);
    expect(['a', 'b', 'c'].map((id) => w.has(id))).toEqual([true, true, true]);
    w.add('d');
    expect(w.has('a')).toBe(false);
    expect(['b', 'c', 'd'].map((id) => w.has(id))).toEqual([true, true, true]);
    expect(w.size).toBe(3);
    expect(() => new DedupeWindow(0)).toThrow(/positive integer/);
  });
});

describe('PositionChain', () => {
  it('starts a key at its first signal, then requires previousPosition = last position', () => {
    const c = new PositionChain();
    expect(c.check('inf-1|BTC', s2)).toBeNull(); // unseen key: nothing to compare
    c.advance('inf-1|BTC', s1);
    expect(c.check('inf-1|BTC', s2)).toBeNull();
    c.advance('inf-1|BTC', s2);
    const jump = signal('inf-1', 'BTC', '3', '4', 9);
    expect(c.check('inf-1|BTC', jump)).toBe('-0.5');
    // check() does not move the chain: a redelivery is judged against the same state.
    expect(c.position('inf-1|BTC')).toBe('-0.5');
    const reconcile = signal('inf-1', 'BTC', '-0.5', '2', 10, true);
    expect(c.check('inf-1|BTC', reconcile)).toBeNull();
  });
});

describe('parseSince', () => {
  const now = Date.parse('2026-12-04T16:00:00Z');
  it('reads ages, epoch ms and ISO times; refuses anything else', () => {
    expect(parseSince('15m', now)).toBe(now - 15 * 60_000);
    expect(parseSince('2h', now)).toBe(now - 7_200_000);
    expect(parseSince('1d', now)).toBe(now - 86_400_000);
    expect(parseSince('1781528065899', now)).toBe(1781528065899);
    expect(parseSince('2026-12-04T15:00:00Z', now)).toBe(now - 3_600_000);
    expect(() => parseSince('yesterday', now)).toThrow(/--since/);
  });
});

describe('src/consumer imports', () => {
  it('reach only core, the contract door of positions, and itself', () => {
    const root = resolve(import.meta.dirname, '../..');
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/from '(\.[^']+)\.js'/g))
        visit(resolve(dirname(file), `${m[1] as string}.ts`));
    };
    visit(join(root, 'src/consumer/index.ts'));
    const outside = [...seen]
      .map((f) => relative(root, f))
      .filter((f) => !f.startsWith('src/consumer/') && !f.startsWith('src/core/'));
    expect(outside.sort()).toEqual([
      'src/positions/signal-contract.ts',
      'src/positions/signal-line.ts',
      'src/positions/signal.ts',
      'src/positions/transitions.ts',
    ]);
  });
});
