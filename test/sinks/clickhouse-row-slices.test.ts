import { describe, expect, it } from 'vitest';
import { jsonEachRowSlices } from '../../src/sinks/clickhouse/row-slices.js';

async function chunks(stream: NodeJS.ReadableStream): Promise<string[]> {
  const out: string[] = [];
  for await (const c of stream) out.push(String(c));
  return out;
}

describe('jsonEachRowSlices', () => {
  it('is every row as one JSON line, in order, in slices of the given size', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ n: i, text: `a"\n${i}` }));
    const got = await chunks(jsonEachRowSlices(rows, 4));
    expect(got).toHaveLength(3);
    expect(got.join('')).toBe(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    expect(got.map((c) => c.split('\n').length - 1)).toEqual([4, 4, 2]);
  });

  it('yields to the event loop between slices, so other work runs in the middle of one insert', async () => {
    const rows = Array.from({ length: 6 }, (_, i) => ({ n: i }));
    const seen: string[] = [];
    const stream = jsonEachRowSlices(rows, 2);
    stream.on('data', (c: Buffer) => {
      seen.push(`slice ${String(c).split('\n').length - 1}`);
      // Work that arrives while the insert is being encoded: it must run before the next slice.
      setImmediate(() => seen.push('other'));
    });
    await new Promise((resolve) => stream.on('end', resolve));
    expect(seen.slice(0, 5)).toEqual(['slice 2', 'other', 'slice 2', 'other', 'slice 2']);
  });

  it('ends at once for no rows', async () => {
    expect(await chunks(jsonEachRowSlices([], 4))).toEqual([]);
  });

  it('fails the stream, naming the row, for a row JSON cannot encode', async () => {
    const rows: unknown[] = [{ ok: 1 }, { ok: 2 }, { bad: 1n }];
    await expect(chunks(jsonEachRowSlices(rows, 2))).rejects.toThrow(
      /row 2 of the insert cannot be encoded as JSON: .*BigInt/,
    );
  });
});
