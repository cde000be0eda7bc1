import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../src/cli/commands/replay.js';
import { Signal, fillFromRawEvent, replay } from '../../src/positions/index.js';
import { USER, engineWith } from './helpers.js';
import type { FillSpec } from './helpers.js';
import { raw, specs } from './replay-fixtures.js';

/** The fixture fills, the other listener's copy of one, a damaged line and a non-fill event. */
function writeInput(dir: string, order: 'reversed' | 'sorted' = 'reversed'): string {
  const events = specs.map((s) => raw(s));
  const copy = raw(specs[0] as FillSpec, 'inf-1/secondary');
  const fills =
    order === 'reversed' ? [...[...events].reverse(), copy] : [events[0], copy, ...events.slice(1)];
  const lines = [
    ...fills.map((e) => JSON.stringify(e)),
    '{ not json',
    JSON.stringify({ ...events[0], eventType: 'clearinghouseState', payload: '{}' }),
  ];
  const file = join(dir, order === 'reversed' ? 'raw.ndjson' : 'sorted.ndjson');
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

  it('streams a file already in event-time order, with the same output as sorting it whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-'));
    const whole = await cli({ file: writeInput(dir, 'reversed') });
    const streamed = await cli({ file: writeInput(dir, 'sorted') });
    expect(whole.err).toMatch(/raw\.ndjson is not in event-time order: reading it whole/);
    expect(streamed.err).not.toMatch(/not in event-time order/);
    expect(streamed.err).toMatch(/1 duplicates, 1 non-fill, 1 invalid -> 4 signals/);
    expect(streamed.out).toBe(whole.out);
  });

  it('an ordered source is streamed: signals go out before the input ends', async () => {
    const events = Array.from({ length: 40 }, (_, i) =>
      raw({ side: 'B', sz: '1', px: '100', time: 1000 + i, start: String(i), tid: 100 + i }),
    );
    let yielded = 0;
    async function* source() {
      for (const e of events) {
        yielded++;
        await Promise.resolve();
        yield e;
      }
    }
    const seenAtSignal: number[] = [];
    const stats = await replay(source(), { ordered: true, onSignal: () => void seenAtSignal.push(yielded) });
    expect(stats).toMatchObject({ fills: 40, signals: 40 });
    // The signal of block i is out once block i + 1 started, not after all 40 were read.
    expect(seenAtSignal[0]).toBeLessThanOrEqual(2);
    expect(seenAtSignal.slice(0, 39).every((n, i) => n <= i + 2)).toBe(true);
  });

  it('an ordered source out of order fails with the events named', async () => {
    const [a, b] = [raw(specs[2] as FillSpec), raw(specs[0] as FillSpec)];
    async function* source() {
      yield a;
      yield b;
    }
    await expect(replay(source(), { ordered: true, onSignal: () => undefined })).rejects.toThrow(
      new RegExp(`not in event-time order: event ${b.eventId} at 1000 comes after ${a.eventId} at 2000`),
    );
  });

  it('a raw fill with a bad field is rejected with a message naming it', () => {
    const bad = {
      ...raw(specs[0] as FillSpec),
      payload: JSON.stringify({ coin: 'BTC', px: '1e5', sz: '1', side: 'B', time: 1 }),
    };
    expect(() => fillFromRawEvent(bad)).toThrow(/px/);
  });
});
