/**
 * FrameMemo: the second copy of a frame (the other listener's socket) comes back parsed without
 * a second JSON.parse, and is then forgotten; bad frames, other channels, long texts and old entries are parsed anew.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeadLetter } from '../../src/core/index.js';
import { FrameMemo, FrameParser } from '../../src/protocol/index.js';

const USER = `0x${'cd'.repeat(20)}`;
const fills = (tid: number): string =>
  `{"channel":"userFills","data":{"user":"${USER}","fills":[{"coin":"BTC","px":"1","sz":"1","side":"B","time":1,"crossed":true,"fee":"0","tid":${tid},"oid":1}]}}`;

describe('FrameMemo', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives the second socket the first one’s frame without parsing it again', () => {
    const memo = new FrameMemo();
    const a = new FrameParser({ listenerId: 'a', memo });
    const b = new FrameParser({ listenerId: 'b', memo });
    const parse = vi.spyOn(JSON, 'parse');
    const first = a.parse(fills(1));
    const second = b.parse(fills(1));
    expect(first.kind).toBe('frame');
    expect(second).toBe(first);
    expect(parse).toHaveBeenCalledTimes(1);
    // Both copies are in: the frame is forgotten, and a third copy is parsed on its own.
    expect(memo.stats()).toEqual({ hits: 1, misses: 1, entries: 0 });
    const third = a.parse(fills(1));
    expect(third).toEqual(first);
    expect(third).not.toBe(first);
    expect(parse).toHaveBeenCalledTimes(2);
    // Each parser still counts the frame it accepted.
    expect(a.stats().accepted).toBe(2);
    expect(b.stats().accepted).toBe(1);
  });

  it('never remembers a refused frame: each socket dead-letters its copy', () => {
    const memo = new FrameMemo();
    const dead: DeadLetter[] = [];
    const a = new FrameParser({ listenerId: 'a', memo, onDeadLetter: (d) => dead.push(d) });
    const b = new FrameParser({ listenerId: 'b', memo, onDeadLetter: (d) => dead.push(d) });
    const bad = fills(1).replace(`"user":"${USER}"`, '"user":"nobody"');
    expect(a.parse(bad).kind).toBe('deadLetter');
    expect(b.parse(bad).kind).toBe('deadLetter');
    expect(dead.map((d) => `${d.listenerId}:${d.reason}`)).toEqual(['a:bad_address', 'b:bad_address']);
    expect(memo.stats().entries).toBe(0);
  });

  it('remembers only the channels both listeners receive whole, and freezes what it shares', () => {
    const memo = new FrameMemo();
    const p = new FrameParser({ listenerId: 'a', memo });
    const ack =
      '{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"allMids"}}}';
    expect(p.parse(ack).kind).toBe('frame');
    expect(memo.stats().entries).toBe(0);
    const r = p.parse(fills(1));
    expect(memo.stats().entries).toBe(1);
    if (r.kind !== 'frame' || r.frame.channel !== 'userFills') throw new Error('expected a userFills frame');
    const shared = r.frame.data.fills;
    expect(Object.isFrozen(shared[0])).toBe(true);
    expect(() => (shared as unknown[]).push({})).toThrow(TypeError);
  });

  it('holds at most maxEntries frames, oldest out first, and no text longer than maxChars', () => {
    const memo = new FrameMemo({ maxEntries: 2, maxChars: fills(1).length });
    const p = new FrameParser({ listenerId: 'a', memo });
    for (const tid of [1, 2, 3]) p.parse(fills(tid));
    expect(memo.stats().entries).toBe(2);
    expect(memo.get(fills(1))).toBeUndefined();
    expect(memo.get(fills(3))).toBeDefined();
    p.parse(fills(10)); // one character longer than maxChars
    expect(memo.get(fills(10))).toBeUndefined();
  });
});
