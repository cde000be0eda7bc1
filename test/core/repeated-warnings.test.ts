import { describe, expect, it } from 'vitest';
import { RepeatedWarnings } from '../../src/core/index.js';
import type { Clock, Logger, TimerHandle } from '../../src/core/index.js';

function fakeClock(): Clock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  const timers = new Set<{ at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn: () => void, ms: number): TimerHandle {
      const t = { at: now + ms, fn };
      timers.add(t);
      return { cancel: () => timers.delete(t) };
    },
    setInterval: () => ({ cancel: () => undefined }),
    sleep: () => Promise.resolve(),
    advance(ms: number) {
      now += ms;
      for (const t of [...timers]) {
        if (t.at <= now) {
          timers.delete(t);
          t.fn();
        }
      }
    },
    pending: () => timers.size,
  };
}

function recordingLogger(): Logger & {
  lines: { level: string; msg: string; obj: Record<string, unknown> }[];
} {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown> | string, msg?: string): void => {
      lines.push(typeof obj === 'string' ? { level, msg: obj, obj: {} } : { level, msg: msg ?? '', obj });
    };
  const logger = {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: () => logger,
    isLevelEnabled: () => true,
  };
  return logger as never;
}

describe('RepeatedWarnings', () => {
  it('logs a burst in full, then one summary per window with the count', () => {
    const clock = fakeClock();
    const logger = recordingLogger();
    const w = new RepeatedWarnings({ logger, clock, windowMs: 60_000, burst: 3 });
    for (let i = 0; i < 29_941; i++) w.warn('listener not placed', { influencer: `inf-${i}` });
    expect(logger.lines).toHaveLength(3);
    clock.advance(60_000);
    expect(logger.lines).toHaveLength(4);
    const summary = logger.lines[3];
    expect(summary?.level).toBe('warn');
    expect(summary?.msg).toBe('listener not placed (and 29938 more like it in 60 s, suppressed)');
    expect(summary?.obj).toMatchObject({ suppressed: 29_938, influencer: 'inf-29940' });
    // A new window starts afresh.
    w.warn('listener not placed', { influencer: 'x' });
    expect(logger.lines).toHaveLength(5);
  });

  it('keys by message, keeps the level, and a quiet window logs no summary', () => {
    const clock = fakeClock();
    const logger = recordingLogger();
    const w = new RepeatedWarnings({ logger, clock, burst: 1 });
    w.error('a');
    w.error('a');
    w.warn('b');
    expect(logger.lines.map((l) => `${l.level} ${l.msg}`)).toEqual(['error a', 'warn b']);
    clock.advance(60_000);
    expect(logger.lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'error a',
      'warn b',
      'error a (and 1 more like it in 60 s, suppressed)',
    ]);
    expect(clock.pending()).toBe(0);
  });

  it('close() logs what is pending and leaves no timer behind', () => {
    const clock = fakeClock();
    const logger = recordingLogger();
    const w = new RepeatedWarnings({ logger, clock, burst: 1 });
    w.warn('a');
    w.warn('a');
    expect(clock.pending()).toBe(1);
    w.close();
    expect(clock.pending()).toBe(0);
    expect(logger.lines.at(-1)?.msg).toBe('a (and 1 more like it in 60 s, suppressed)');
  });
});
