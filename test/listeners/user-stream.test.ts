/**
 * userFills routing: each fill of a frame is judged on its own by the FillGuard, so one bad
 * fill (an impossible value, a future time, a value nested too deep to serialise) is
 * dead-lettered and the good fills beside it still reach the gate and the raw store.
 */
import { describe, expect, it, vi } from 'vitest';
import type { DeadLetter, FillEvent, RawEvent } from '../../src/core/index.js';
import { silentLogger, systemClock } from '../../src/core/index.js';
import { BackfillGate } from '../../src/listeners/backfill.js';
import type { ListenerRef } from '../../src/listeners/directory.js';
import { handleUserStreamFrame } from '../../src/listeners/user-stream.js';
import type { PreparedFrames } from '../../src/listeners/user-stream.js';
import { FrameMemo, FrameParser, FillGuard } from '../../src/protocol/index.js';
import type { ConnectionEvents } from '../../src/protocol/index.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const USER = `0x${'ab'.repeat(20)}`;

const fill = (tid: number, over: string = ''): string =>
  `{"coin":"ETH","px":"3000","sz":"1","side":"B","time":${NOW - 1000 + tid},"crossed":true,"fee":"0","tid":${tid},"oid":${tid}${over}}`;

/** A gate with backfill off: what it is pushed lands in `pushed`. */
function passThroughGate(pushed: FillEvent[]): BackfillGate {
  return new BackfillGate({
    clock: systemClock,
    logger: silentLogger,
    sink: { push: (f) => void pushed.push(...f) },
    enabled: false,
    fetch: () => Promise.reject(new Error('unused')),
    onBackfill: () => undefined,
    onFailed: () => undefined,
  });
}

function route(text: string): {
  pushed: FillEvent[];
  dead: DeadLetter[];
  raw: RawEvent[];
  positions: number[];
} {
  const positions: number[] = [];
  const pushed: FillEvent[] = [];
  const dead: DeadLetter[] = [];
  const raw: RawEvent[] = [];
  const parsed = new FrameParser({ listenerId: 'c' }).parse(text);
  if (parsed.kind !== 'frame') throw new Error(`frame refused: ${JSON.stringify(parsed)}`);
  const gate = passThroughGate(pushed);
  const refs: ListenerRef[] = ['primary', 'secondary'].map((slot) => ({
    id: `inf-1/${slot}`,
    influencerId: 'inf-1',
    slot: slot as ListenerRef['slot'],
    user: USER,
    kind: 'user-stream',
    connectionId: 'c',
    pool: 'p',
  }));
  const f: ConnectionEvents['frame'] = { ...parsed, receivedAt: NOW };
  handleUserStreamFrame(f, new Map([[USER, refs]]), {
    gate,
    guard: new FillGuard({ clock: { now: () => NOW } }),
    onRawEvent: (e) => raw.push(e),
    onDeadLetter: (d) => dead.push(d),
    onPositions: (e) => positions.push(...e.states.map(([, st]) => st.time)),
    now: () => NOW,
  });
  return { pushed, dead, raw, positions };
}

describe('userFills routing', () => {
  it('dead-letters each bad fill once and keeps the good fills of the same frame', () => {
    const deep = `,"extra":${'['.repeat(50_000)}0${']'.repeat(50_000)}`;
    const text = `{"channel":"userFills","data":{"user":"${USER}","fills":[${[
      fill(1),
      fill(2).replace('"sz":"1"', '"sz":"-5"'),
      fill(3, deep),
      fill(4).replace(`"time":${NOW - 996}`, `"time":${NOW + 365 * 86_400_000}`),
      fill(5).replace('"coin":"ETH"', '"coin":"<img src=x onerror=alert(1)>"'),
      fill(6),
    ].join(',')}]}}`;
    const { pushed, dead, raw } = route(text);
    // Two listeners each deliver the two good fills; each bad fill is dead-lettered once.
    expect(pushed.map((e) => `${e.source.listenerId}:${e.tid}`)).toEqual([
      'inf-1/primary:1',
      'inf-1/primary:6',
      'inf-1/secondary:1',
      'inf-1/secondary:6',
    ]);
    expect(raw.map((r) => JSON.parse(r.payload) as { tid: number }).map((p) => p.tid)).toEqual([1, 6, 1, 6]);
    expect(dead.map((d) => d.reason)).toEqual([
      'impossible_value',
      'unserializable',
      'future_time',
      'bad_coin',
    ]);
    expect(dead.every((d) => d.channel === 'userFills' && d.listenerId === 'inf-1/primary')).toBe(true);
    expect(dead[0]?.detail).toContain('userFills.data.fills.1');
    expect(dead[0]?.detail).toContain(USER);
  });

  it('dead-letters a position snapshot stamped in the future instead of reconciling to it', () => {
    const state = (time: number): string =>
      `{"marginSummary":{"accountValue":"1","totalNtlPos":"0","totalRawUsd":"1","totalMarginUsed":"0"},"crossMarginSummary":{"accountValue":"1","totalNtlPos":"0","totalRawUsd":"1","totalMarginUsed":"0"},"crossMaintenanceMarginUsed":"0","withdrawable":"1","assetPositions":[],"time":${time}}`;
    const frame = (time: number): string =>
      `{"channel":"clearinghouseState","data":{"dex":"","user":"${USER}","clearinghouseState":${state(time)}}}`;
    const good = route(frame(NOW - 10));
    expect(good.positions).toEqual([NOW - 10]);
    const bad = route(frame(2 ** 53 - 1));
    expect(bad.positions).toEqual([]);
    expect(bad.dead).toMatchObject([{ reason: 'future_time', channel: 'clearinghouseState' }]);
  });
});

describe('an influencer’s two listeners on two sockets, one frame', () => {
  const ref = (slot: 'primary' | 'secondary'): ListenerRef => ({
    id: `inf-1/${slot}`,
    influencerId: 'inf-1',
    slot,
    user: USER,
    kind: 'user-stream',
    connectionId: `c-${slot}`,
    pool: 'p',
  });

  /** Both sockets' parsers share a memo, both frames one prepared map: as the listener manager wires them. */
  function twoSockets(guard: FillGuard): {
    deliver: (slot: 'primary' | 'secondary', text: string, receivedAt: number) => ConnectionEvents['frame'];
    pushed: FillEvent[];
    raw: RawEvent[];
    dead: DeadLetter[];
    memo: FrameMemo;
  } {
    const memo = new FrameMemo();
    const prepared: PreparedFrames = new WeakMap();
    const pushed: FillEvent[] = [];
    const raw: RawEvent[] = [];
    const dead: DeadLetter[] = [];
    const parsers = {
      primary: new FrameParser({ listenerId: 'c-primary', memo }),
      secondary: new FrameParser({ listenerId: 'c-secondary', memo }),
    };
    const gate = passThroughGate(pushed);
    const deliver = (
      slot: 'primary' | 'secondary',
      text: string,
      receivedAt: number,
    ): ConnectionEvents['frame'] => {
      const parsed = parsers[slot].parse(text);
      if (parsed.kind !== 'frame') throw new Error(`frame refused: ${JSON.stringify(parsed)}`);
      const f: ConnectionEvents['frame'] = { ...parsed, receivedAt };
      handleUserStreamFrame(f, new Map([[USER, [ref(slot)]]]), {
        gate,
        guard,
        prepared,
        onRawEvent: (e) => raw.push(e),
        onDeadLetter: (d) => dead.push(d),
        onPositions: () => undefined,
        now: () => NOW,
      });
      return f;
    };
    return { deliver, pushed, raw, dead, memo };
  }

  const frameOf = (...fills: string[]): string =>
    `{"channel":"userFills","data":{"user":"${USER}","fills":[${fills.join(',')}]}}`;

  it('parses, judges and normalises the second copy once, and each listener still gets its own events', () => {
    const guard = new FillGuard({ clock: { now: () => NOW } });
    const judged = vi.spyOn(guard, 'fill');
    const { deliver, pushed, raw, dead, memo } = twoSockets(guard);
    const text = frameOf(fill(1), fill(2));
    const a = deliver('primary', text, NOW);
    const b = deliver('secondary', text, NOW + 7);

    expect(pushed.map((e) => `${e.source.listenerId}:${e.tid}:${e.source.receivedAt - NOW}`)).toEqual([
      'inf-1/primary:1:0',
      'inf-1/primary:2:0',
      'inf-1/secondary:1:7',
      'inf-1/secondary:2:7',
    ]);
    expect(pushed.slice(2).map((e) => e.eventId)).toEqual(pushed.slice(0, 2).map((e) => e.eventId));
    expect(pushed[2]?.px.toString()).toBe('3000');
    expect(raw.map((r) => `${r.listenerId}:${JSON.parse(r.payload).tid as number}`)).toEqual([
      'inf-1/primary:1',
      'inf-1/primary:2',
      'inf-1/secondary:1',
      'inf-1/secondary:2',
    ]);
    expect(dead).toEqual([]);
    // The work behind that: one parse, one verdict per fill.
    expect(b.frame).toBe(a.frame);
    expect(memo.stats()).toMatchObject({ hits: 1, misses: 1 });
    expect(judged).toHaveBeenCalledTimes(2);
    // The shared frame is frozen: a reader cannot change the other listener's copy.
    expect(() => {
      (a.frame.data as { user: string }).user = 'x';
    }).toThrow(TypeError);
  });

  it('judges every copy of a frame with a refused fill, so each copy dead-letters it', () => {
    const guard = new FillGuard({ clock: { now: () => NOW } });
    const judged = vi.spyOn(guard, 'fill');
    const { deliver, pushed, dead } = twoSockets(guard);
    const text = frameOf(fill(1), fill(2).replace('"sz":"1"', '"sz":"-5"'));
    deliver('primary', text, NOW);
    deliver('secondary', text, NOW + 1);
    expect(pushed.map((e) => `${e.source.listenerId}:${e.tid}`)).toEqual([
      'inf-1/primary:1',
      'inf-1/secondary:1',
    ]);
    expect(dead.map((d) => `${d.listenerId}:${d.reason}`)).toEqual([
      'inf-1/primary:impossible_value',
      'inf-1/secondary:impossible_value',
    ]);
    expect(judged).toHaveBeenCalledTimes(4);
  });

  it('judges the second copy again when the coin universe changed in between', () => {
    const guard = new FillGuard({ clock: { now: () => NOW } });
    guard.setUniverse(['ETH', 'BTC'], ['perp']);
    const { deliver, pushed, dead } = twoSockets(guard);
    const text = frameOf(fill(1));
    deliver('primary', text, NOW);
    guard.setUniverse(['BTC'], ['perp']); // ETH delisted between the two copies
    deliver('secondary', text, NOW + 1);
    expect(pushed.map((e) => `${e.source.listenerId}:${e.tid}`)).toEqual(['inf-1/primary:1']);
    expect(dead.map((d) => `${d.listenerId}:${d.reason}`)).toEqual(['inf-1/secondary:bad_coin']);
  });

  it('parses a copy that differs in one byte on its own', () => {
    const guard = new FillGuard({ clock: { now: () => NOW } });
    const { deliver, pushed, memo } = twoSockets(guard);
    deliver('primary', frameOf(fill(1)), NOW);
    deliver('secondary', frameOf(fill(1).replace('"px":"3000"', '"px":"3001"')), NOW + 1);
    expect(pushed.map((e) => `${e.source.listenerId}:${e.px.toString()}`)).toEqual([
      'inf-1/primary:3000',
      'inf-1/secondary:3001',
    ]);
    expect(memo.stats()).toMatchObject({ hits: 0, misses: 2 });
  });
});
