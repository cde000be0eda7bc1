import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { must } from './must.js';
import {
  ClearinghouseState,
  Fill,
  FillGuard,
  FrameParser,
  MetaResponse,
  PerpDexsResponse,
  SpotMetaResponse,
  UserFillsResponse,
} from '../../src/protocol/index.js';
import type { DeadLetter } from '../../src/core/index.js';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/hyperliquid/${name}`, import.meta.url), 'utf8')) as T;

const wsFrames = fixture<{ frames: { name: string; text: string }[] }>('ws-frames.json').frames;
const stateFrames = fixture<{ frames: unknown[] }>('ws-state-frames.json').frames;
const fills = fixture<{ fills: Record<string, unknown>[] }>('fills.json').fills;
const chs = fixture<{ response: Record<string, unknown> }>('info-clearinghouse-state.json').response;
const universe = fixture<{ meta: unknown; metaXyz: unknown; perpDexs: unknown; spotMeta: unknown }>(
  'info-universe.json',
);

function parser(): { p: FrameParser; dead: DeadLetter[] } {
  const dead: DeadLetter[] = [];
  return {
    p: new FrameParser({ listenerId: 't', maxPayloadChars: 64, onDeadLetter: (d) => dead.push(d) }),
    dead,
  };
}

describe('WS frame schemas accept every recorded sample', () => {
  it.each(wsFrames.map((f) => [f.name, f.text] as const))('%s', (_name, text) => {
    const { p } = parser();
    const r = p.parse(text);
    expect(r.kind, JSON.stringify(r)).toBe('frame');
  });

  it.each(stateFrames.map((f, i) => [i, f] as const))('state frame %s', (_i, f) => {
    const { p } = parser();
    expect(p.parse(JSON.stringify(f)).kind).toBe('frame');
  });

  it('keeps isSnapshot true on snapshots and absent on live pushes, lower-cases users', () => {
    const { p } = parser();
    const snap = p.parse(must(wsFrames[4]).text);
    const live = p.parse(must(wsFrames[5]).text);
    if (snap.kind !== 'frame' || snap.frame.channel !== 'userFills') throw new Error('expected userFills');
    if (live.kind !== 'frame' || live.frame.channel !== 'userFills') throw new Error('expected userFills');
    expect(snap.frame.data.isSnapshot).toBe(true);
    expect(live.frame.data.isSnapshot).toBeUndefined();
    expect((snap.frame.data.fills[0] as { startPosition?: string }).startPosition).toBe(
      '-3695042.8999999999',
    );
  });

  it('accepts a pong without data but rejects an error frame without its string', () => {
    const { p } = parser();
    expect(p.parse('{"channel":"pong"}').kind).toBe('frame');
    expect(p.parse('{"channel":"error"}').kind).toBe('deadLetter');
  });

  it('tolerates unknown extra fields', () => {
    const { p } = parser();
    const t = must(wsFrames[13]).text.replace('"coin":"BTC"', '"coin":"BTC","newField":{"x":1}');
    expect(p.parse(t).kind).toBe('frame');
  });
});

describe('fill and info schemas accept every recorded sample', () => {
  it.each(fills.map((f) => [f['dir'], f] as const))('fill %s', (_d, f) => {
    expect(Fill.safeParse(f).success).toBe(true);
  });
  it('userFills response array', () => expect(UserFillsResponse.safeParse(fills).success).toBe(true));
  it('clearinghouseState', () => {
    const r = ClearinghouseState.parse(chs);
    expect(r.assetPositions[0]?.position.szi).toBe('0.0335');
  });
  it('meta / perpDexs / spotMeta (illustrative shapes)', () => {
    expect(MetaResponse.parse(universe.meta).universe.map((u) => u.name)).toEqual(['BTC', 'ETH', 'OLD']);
    expect(MetaResponse.safeParse(universe.metaXyz).success).toBe(true);
    expect(PerpDexsResponse.parse(universe.perpDexs)[0]).toBeNull();
    expect(SpotMetaResponse.parse(universe.spotMeta).universe[1]?.name).toBe('@107');
  });
  it('accepts tid 0 (dust) and missing tid (old history), rejects unsafe ids', () => {
    const base = must(fills[3]);
    expect(Fill.safeParse({ ...base, tid: 0 }).success).toBe(true);
    const { tid: _t, ...noTid } = base;
    expect(Fill.safeParse(noTid).success).toBe(true);
    expect(Fill.safeParse({ ...base, tid: 2 ** 60 }).success).toBe(false);
    expect(Fill.safeParse({ ...base, oid: 1.5 }).success).toBe(false);
  });
});

describe('corruptions go to the dead-letter path with a reason and the field named', () => {
  const userFills = must(wsFrames[4]).text;
  /** The frame parser checks the envelope; each fill is judged by the FillGuard where it is routed. */
  function guardFills(text: string): { reason: string; detail: string }[] {
    const { p } = parser();
    const r = p.parse(text);
    if (r.kind !== 'frame' || r.frame.channel !== 'userFills') throw new Error('expected a userFills frame');
    const guard = new FillGuard({ clock: { now: () => Date.parse('2030-01-01') } });
    return r.frame.data.fills.flatMap((f, i) => {
      const g = guard.fill(f, `userFills.data.fills.${i}`);
      return g.ok ? [] : [{ reason: g.reason, detail: g.detail }];
    });
  }

  it('float amount -> bad_decimal naming the field', () => {
    const dead = guardFills(userFills.replace('"px":"0.01152"', '"px":0.01152'));
    expect(dead[0]?.reason).toBe('bad_decimal');
    expect(dead[0]?.detail).toContain('data.fills.0: field px');
  });

  it('exponent / NaN strings -> bad_decimal', () => {
    const dead = [
      ...guardFills(userFills.replace('"sz":"1052.9"', '"sz":"1e3"')),
      ...guardFills(userFills.replace('"sz":"1052.9"', '"sz":"NaN"')),
    ];
    expect(dead.map((d) => d.reason)).toEqual(['bad_decimal', 'bad_decimal']);
  });

  it('missing coin -> schema_mismatch naming coin', () => {
    const dead = guardFills(userFills.replace('"coin":"USUAL",', ''));
    expect(dead[0]?.reason).toBe('schema_mismatch');
    expect(dead[0]?.detail).toContain('coin');
  });

  it('bad side -> schema_mismatch naming side', () => {
    const dead = guardFills(userFills.replace('"side":"A"', '"side":"S"'));
    expect(dead[0]?.reason).toBe('schema_mismatch');
    expect(dead[0]?.detail).toContain('side');
  });

  it('bad user address -> bad_address', () => {
    const { p, dead } = parser();
    p.parse(userFills.replace('0x31ca8395cf837de08b24da3f660e77761dfb974b', '0x31ca'));
    expect(dead[0]?.reason).toBe('bad_address');
  });

  it('non-JSON greeting -> invalid_json, unknown channel -> unknown_channel, counted, payload truncated', () => {
    const { p, dead } = parser();
    p.parse('Websocket connection established.');
    p.parse('{"channel":"webData2","data":{}}');
    p.parse(`{"channel":"nope","data":"${'x'.repeat(500)}"}`);
    expect(dead.map((d) => d.reason)).toEqual(['invalid_json', 'unknown_channel', 'unknown_channel']);
    expect(must(dead[2]).payload.length).toBeLessThan(120);
    expect(must(dead[2]).payload).toContain('truncated');
    expect(p.stats().rejected.unknown_channel).toBe(2);
    expect(p.stats().rejected.invalid_json).toBe(1);
    expect(dead[0]?.listenerId).toBe('t');
  });

  it('oversized frames are refused before parsing', () => {
    const p = new FrameParser({ listenerId: 't', maxFrameChars: 10 });
    const r = p.parse('{"channel":"pong"}');
    expect(r.kind === 'deadLetter' && r.deadLetter.reason).toBe('oversized_frame');
  });
});
