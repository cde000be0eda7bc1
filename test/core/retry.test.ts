import { describe, expect, it } from 'vitest';
import {
  InternalError,
  RetriesExhaustedError,
  SinkError,
  backoffDelay,
  retry,
  type RetryPolicy,
} from '../../src/core/index.js';

const fast: RetryPolicy = { initialDelayMs: 1, maxDelayMs: 4, factor: 2, maxAttempts: 4, jitter: 0 };
const noSleep = { sleep: () => Promise.resolve() };

describe('retry', () => {
  it('backs off exponentially up to the cap, with jitter only shrinking the delay', () => {
    const p: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, maxAttempts: 10, jitter: 0 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(p, a))).toEqual([100, 200, 400, 800, 1000]);
    const j = { ...p, jitter: 1 };
    expect(backoffDelay(j, 3, () => 0.5)).toBe(200);
    expect(backoffDelay(j, 3, () => 0)).toBe(400);
  });

  it('retries retriable errors and returns the first success', async () => {
    let calls = 0;
    const delays: number[] = [];
    const v = await retry(
      () => {
        calls++;
        if (calls < 3) return Promise.reject(new SinkError('SINK_UNAVAILABLE', 'down', { retriable: true }));
        return Promise.resolve('ok');
      },
      { policy: fast, clock: noSleep, onRetry: (i) => delays.push(i.delayMs) },
    );
    expect(v).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([1, 2]);
  });

  it('throws RetriesExhausted with the cause after maxAttempts', async () => {
    let calls = 0;
    const err = new SinkError('SINK_UNAVAILABLE', 'down', { retriable: true });
    const p = retry(
      () => {
        calls++;
        return Promise.reject(err);
      },
      { policy: fast, clock: noSleep, label: 'send' },
    );
    await expect(p).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(p).rejects.toMatchObject({ cause: err, attempts: 4 });
    expect(calls).toBe(4);
  });

  it('with onExhausted keeps trying at maxDelayMs past maxAttempts, reporting each failure', async () => {
    let calls = 0;
    const delays: number[] = [];
    const exhausted: number[] = [];
    const v = await retry(
      () => {
        calls++;
        if (calls < 7) return Promise.reject(new SinkError('SINK_UNAVAILABLE', 'down', { retriable: true }));
        return Promise.resolve('ok');
      },
      {
        policy: fast,
        clock: noSleep,
        onRetry: (i) => delays.push(i.delayMs),
        onExhausted: (i) => exhausted.push(i.attempt),
      },
    );
    expect(v).toBe('ok');
    expect(calls).toBe(7);
    // Backoff 1, 2, 4 for attempts 1-3, then the cap (4) from attempt 4 (= maxAttempts) on.
    expect(delays).toEqual([1, 2, 4, 4, 4, 4]);
    expect(exhausted).toEqual([4, 5, 6]);
  });

  it('with onExhausted still stops when shouldRetry says no or the signal aborts', async () => {
    const ac = new AbortController();
    let calls = 0;
    const p = retry(
      () => {
        calls++;
        if (calls === 5) ac.abort();
        return Promise.reject(new Error('down'));
      },
      { policy: fast, clock: noSleep, signal: ac.signal, onExhausted: () => undefined },
    );
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    expect(calls).toBe(5);
    const q = retry(() => Promise.reject(new InternalError('bug')), {
      policy: fast,
      clock: noSleep,
      onExhausted: () => undefined,
    });
    await expect(q).rejects.toBeInstanceOf(InternalError);
  });

  it('never retries programming errors or non-retriable errors, and bail stops at once', async () => {
    let calls = 0;
    await expect(
      retry(
        () => {
          calls++;
          return Promise.reject(new InternalError('bug'));
        },
        { policy: fast, clock: noSleep },
      ),
    ).rejects.toBeInstanceOf(InternalError);
    await expect(
      retry((ctx) => ctx.bail(new Error('stop')), { policy: fast, clock: noSleep }),
    ).rejects.toThrow('stop');
    expect(calls).toBe(1);
  });
});
