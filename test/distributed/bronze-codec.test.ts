import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../../src/core/index.js';
import type { FillEvent } from '../../src/core/index.js';
import {
  BRONZE_BAD_MESSAGES,
  BRONZE_GOLDEN_RECORDS,
  decodeBronze,
  encodeBronze,
  renderBronzeContracts,
} from '../../src/distributed/index.js';
import type { HandoffRecord } from '../../src/handoff/index.js';

const root = resolve(import.meta.dirname, '../..');

function at<T>(xs: readonly T[], i: number): T {
  const x = xs[i];
  if (x === undefined) throw new Error(`no element ${i}`);
  return x;
}

/** Decimals compared by exact value and canonical text (Decimal objects are not deep-equal friendly). */
function plain(r: HandoffRecord): unknown {
  if (r.kind !== 'fills') return r;
  return {
    ...r,
    fills: r.fills.map((f: FillEvent) => ({
      ...f,
      px: f.px.toFixed(),
      sz: f.sz.toFixed(),
      startPosition: f.startPosition?.toFixed() ?? null,
    })),
  };
}

describe('bronze codec', () => {
  it('the committed contract files are current (run `npm run contracts` after changing the schema)', () => {
    const files = renderBronzeContracts();
    expect(files.length).toBe(2);
    for (const [file, text] of files) {
      expect(readFileSync(resolve(root, file), 'utf8'), file).toBe(text);
    }
  });

  it('golden vectors decode to their records and re-encode to the same bytes', () => {
    const vectors = JSON.parse(
      readFileSync(resolve(root, 'contracts/distributed/bronze-vectors.v1.json'), 'utf8'),
    ) as {
      valid: { name: string; message: { key: string; value: string; headers: Record<string, string> } }[];
    };
    expect(vectors.valid.map((v) => v.name)).toEqual(BRONZE_GOLDEN_RECORDS.map((g) => g.name));
    for (const [i, v] of vectors.valid.entries()) {
      const r = decodeBronze({
        key: Buffer.from(v.message.key),
        value: Buffer.from(v.message.value),
        headers: v.message.headers,
      });
      if (!r.ok) throw r.error;
      expect(plain(r.record)).toEqual(plain(at(BRONZE_GOLDEN_RECORDS, i).record));
      expect(encodeBronze(r.record)).toEqual(v.message);
    }
  });

  it('keeps decimals exact (no float on the way), key = influencerId, headers name version and kind', () => {
    const golden = at(BRONZE_GOLDEN_RECORDS, 0).record;
    const m = encodeBronze(golden);
    expect(m.key).toBe('inf-42');
    expect(m.headers).toEqual({
      'schema-version': '1',
      'content-type': 'application/json',
      'record-kind': 'fills',
      'listener-id': 'inf-42/primary',
    });
    expect(m.value).toContain('"sz":"0.00012345678901"');
    const back = decodeBronze(m);
    if (!back.ok || back.record.kind !== 'fills') throw new Error('expected fills');
    const f = at(back.record.fills, 0);
    expect(f.startPosition?.toFixed()).toBe('-12345678901.000000001');
    expect(f.sz.equals(golden.kind === 'fills' ? at(golden.fills, 0).sz : 0)).toBe(true);
  });

  it('bad messages decode to a VALIDATION error naming the problem, never a throw', () => {
    expect(BRONZE_BAD_MESSAGES.length).toBeGreaterThanOrEqual(4);
    for (const bad of BRONZE_BAD_MESSAGES) {
      const r = decodeBronze(bad.message);
      expect(r.ok, bad.name).toBe(false);
      if (r.ok) continue;
      expect(r.error).toBeInstanceOf(IngestError);
      expect(r.error.code).toBe('VALIDATION');
      expect(r.error.message, bad.name).toContain(bad.error);
    }
    for (const weird of [
      { key: null, value: null },
      { key: 'k', value: Buffer.from([0xff, 0xfe, 0x00]) },
      { key: 'k', value: 'null' },
      { key: 'k', value: '[1,2]' },
      { key: 'k', value: '{"v":1,"kind":"trades"}' },
    ]) {
      const r = decodeBronze(weird);
      expect(r.ok).toBe(false);
    }
  });
});
