/**
 * userFills routing: each fill of a frame is judged on its own by the FillGuard, so one bad
 * fill (an impossible value, a future time, a value nested too deep to serialise) is
 * dead-lettered and the good fills beside it still reach the gate and the raw store.
 */
import { describe, expect, it } from 'vitest';
import type { DeadLetter, FillEvent, RawEvent } from '../../src/core/index.js';
import { silentLogger, systemClock } from '../../src/core/index.js';
import { BackfillGate } from '../../src/listeners/backfill.js';
import type { ListenerRef } from '../../src/listeners/directory.js';
import { handleUserStreamFrame } from '../../src/listeners/user-stream.js';
import { FrameParser, FillGuard } from '../../src/protocol/index.js';
import type { ConnectionEvents } from '../../src/protocol/index.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const USER = `0x${'ab'.repeat(20)}`;

const fill = (tid: number, over: string = ''): string =>
  `{"coin":"ETH","px":"3000","sz":"1","side":"B","time":${NOW - 1000 + tid},"crossed":true,"fee":"0","tid":${tid},"oid":${tid}${over}}`;

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
  const gate = new BackfillGate({
    clock: systemClock,
    logger: silentLogger,
    sink: { push: (f) => void pushed.push(...f) },
    enabled: false,
    fetch: () => Promise.reject(new Error('unused')),
    onBackfill: () => undefined,
    onFailed: () => undefined,
  });
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
