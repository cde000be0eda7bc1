import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../src/cli/commands/replay.js';
import { Signal, fillFromRawEvent } from '../../src/positions/index.js';
import { USER, engineWith } from './helpers.js';
import type { FillSpec } from './helpers.js';
import { raw, specs } from './replay-fixtures.js';

function writeInput(dir: string): string {
  const events = specs.map((s) => raw(s));
  const lines = [
    ...[...events].reverse().map((e) => JSON.stringify(e)),
    JSON.stringify(raw(specs[0] as FillSpec, 'inf-1/secondary')), // the other listener's copy
    '{ not json',
    JSON.stringify({ ...events[0], eventType: 'clearinghouseState', payload: '{}' }),
  ];
  const file = join(dir, 'raw.ndjson');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function cli(args: { file: string; out?: string; strict?: boolean }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: string[] = [];
  const errs: string[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c.toString()));
  stderr.on('data', (c: Buffer) => errs.push(c.toString()));
  const code = await runReplay({ mode: 'block', classes: 'perp,hip3', ...args }, stdout, stderr);
  return { code, out: chunks.join(''), err: errs.join('') };
}

describe('ingest replay', () => {
  it('re-derives the signals and reproduces them byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const file = writeInput(dir);
    const a = await cli({ file });
    const b = await cli({ file, out: join(dir, 'out.ndjson') });
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.out.length).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'out.ndjson'), 'utf8')).toBe(a.out);
    const signals = a.out
      .trim()
      .split('\n')
      .map((l) => Signal.parse(JSON.parse(l)));
    expect(signals.map((s) => [s.market, s.action, s.position])).toEqual([
      ['BTC', 'INCREASE', '2'], // seeded from the first fill's startPosition: no false OPEN
      ['BTC', 'FLIP', '-1'],
      ['xyz:TSLA', 'OPEN', '-5'],
      ['BTC', 'CLOSE', '0'],
    ]);
    expect(signals.every((s) => s.quality.replayed)).toBe(true);
    expect(a.err).toMatch(/raw\.ndjson:7: skipped: invalid JSON/);
    expect(a.err).toMatch(/1 duplicates, 1 non-fill, 1 invalid -> 4 signals/);
    expect((await cli({ file, strict: true })).code).toBe(3);
  });

  it('replayed signal ids equal the live ones for the same fills', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const file = writeInput(dir);
    const replayed = (await cli({ file })).out
      .trim()
      .split('\n')
      .map((l) => Signal.parse(JSON.parse(l)));
    const live = engineWith();
    await live.engine.admit('inf-1', USER);
    for (const s of specs) live.engine.ingest('inf-1', fillFromRawEvent(raw(s)));
    await live.engine.close();
    expect(replayed.map((s) => s.signalId).sort()).toEqual(live.signals.map((s) => s.signalId).sort());
    expect(replayed).toHaveLength(4);
  });

  it('a raw fill with a bad field is rejected with a message naming it', () => {
    const bad = {
      ...raw(specs[0] as FillSpec),
      payload: JSON.stringify({ coin: 'BTC', px: '1e5', sz: '1', side: 'B', time: 1 }),
    };
    expect(() => fillFromRawEvent(bad)).toThrow(/px/);
  });
});
