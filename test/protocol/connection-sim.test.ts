/**
 * HlWsConnection and InfoClient against the simulator (real sockets on loopback): reconnect
 * after a drop, stall detection within the configured bound, `Expired` rotation, resubscribe
 * with snapshot, the per-IP user cap surfaced as a clear error, backoff under refused
 * connections within 30 new connections per minute (scaled clock), and 429 backoff on info.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/core/index.js';
import { SourceError, systemClock } from '../../src/core/index.js';
import type { ConnectionEvents } from '../../src/protocol/index.js';
import { EgressBudget, HlWsConnection, InfoClient, InfoWeightBudget } from '../../src/protocol/index.js';
import type { Simulator } from '../../src/sim/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { scaledClock } from '../scenarios/harness.js';
import { until } from '../kit/index.js';

describe('HlWsConnection against the simulator', () => {
  let sim: Simulator | null = null;
  const conns: HlWsConnection[] = [];
  afterEach(async () => {
    await Promise.all(conns.splice(0).map((c) => c.close()));
    await sim?.close();
    sim = null;
  });

  function connect(
    s: Simulator,
    opts: Partial<ConstructorParameters<typeof HlWsConnection>[0]> = {},
    clock: Clock = systemClock,
  ): { conn: HlWsConnection; frames: ConnectionEvents['frame'][]; closes: ConnectionEvents['close'][] } {
    const conn = new HlWsConnection({
      id: `t${conns.length}`,
      url: s.wsUrl,
      budget: new EgressBudget({ clock }),
      clock,
      heartbeat: { intervalMs: 100, timeoutMs: 100 },
      reconnect: {
        policy: { initialDelayMs: 20, maxDelayMs: 200, factor: 2, maxAttempts: Infinity, jitter: 0 },
        expiredDelayMs: 10,
      },
      ...opts,
    });
    conns.push(conn);
    const frames: ConnectionEvents['frame'][] = [];
    const closes: ConnectionEvents['close'][] = [];
    conn.on('frame', (f) => frames.push(f));
    conn.on('close', (c) => closes.push(c));
    conn.start();
    return { conn, frames, closes };
  }

  const snapshots = (frames: ConnectionEvents['frame'][]): number =>
    frames.filter((f) => f.frame.channel === 'userFills' && f.frame.data.isSnapshot === true).length;

  it('reconnects after a drop and resubscribes, receiving a fresh snapshot', async () => {
    const s = (sim = await startSimulator({ tickMs: 20, accounts: 1 }));
    const { conn, frames, closes } = connect(s);
    await conn.subscribe({ type: 'userFills', user: s.accounts[0] as string });
    await until(() => snapshots(frames) === 1, 5000, 'first snapshot');
    expect(s.faults.drop({ all: true })).toBe(1);
    await until(() => snapshots(frames) === 2, 5000, 'snapshot after resubscribe');
    expect(closes[0]?.cause).toBe('server_close');
    expect(conn.subscriptions()[0]?.active).toBe(true);
  });

  it('detects a silent stall within ping interval + pong timeout', async () => {
    const s = (sim = await startSimulator({ tickMs: 20, accounts: 1 }));
    const { conn, closes } = connect(s);
    await conn.subscribe({ type: 'userFills', user: s.accounts[0] as string });
    const t0 = Date.now();
    s.faults.stall({ all: true });
    await until(() => closes.length > 0, 3000, 'stall detection');
    expect(closes[0]?.cause).toBe('heartbeat_timeout');
    expect(Date.now() - t0).toBeLessThanOrEqual(100 + 100 + 300);
    await until(() => conn.state === 'open' && conn.subscriptions()[0]?.active === true, 3000, 'resubscribe');
  });

  it('handles the Expired rotation as routine and resubscribes', async () => {
    const s = (sim = await startSimulator({ tickMs: 20, accounts: 1, expireAfterMs: 300 }));
    const { conn, frames, closes } = connect(s);
    await conn.subscribe({ type: 'userFills', user: s.accounts[0] as string });
    await until(() => closes.length >= 1 && snapshots(frames) >= 2, 5000, 'Expired close and resubscribe');
    expect(closes[0]).toMatchObject({ code: 1000, reason: 'Expired', cause: 'expired' });
  });

  it('surfaces the 11th user on one IP as a clear user-cap error', async () => {
    const s = (sim = await startSimulator({ tickMs: 0, accounts: 11 }));
    // The client-side budget is lifted so the server's refusal is what we observe.
    const { conn } = connect(s, { budget: new EgressBudget({ limits: { maxUsers: 100 } }) });
    for (const u of s.accounts.slice(0, 10)) await conn.subscribe({ type: 'userFills', user: u });
    const err = await conn.subscribe({ type: 'userFills', user: s.accounts[10] as string }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).code).toBe('SOURCE_USER_CAP');
    expect((err as Error).message).toMatch(/Cannot track more than 10 total users/);
    // And the client-side budget refuses it before sending, naming the cap.
    const local = new HlWsConnection({ id: 'x', url: s.wsUrl, budget: new EgressBudget() });
    conns.push(local);
    local.start();
    for (const u of s.accounts.slice(0, 10)) await local.subscribe({ type: 'userFills', user: u });
    await expect(
      local.subscribe({ type: 'userFills', user: s.accounts[10] as string }),
    ).rejects.toMatchObject({
      code: 'SOURCE_USER_CAP',
    });
  });

  it('backs off under refused connections without exceeding 30 new connections per minute', async () => {
    const clock = scaledClock(60); // one simulated minute per real second
    const s = (sim = await startSimulator({ tickMs: 0, accounts: 1 }, { clock }));
    s.faults.refuseConnections();
    const attempts: number[] = [];
    s.on((e) => {
      if (e.type === 'rejected') attempts.push(clock.now());
    });
    const { conn } = connect(
      s,
      {
        heartbeat: false,
        reconnect: {
          policy: { initialDelayMs: 10, maxDelayMs: 100, factor: 2, maxAttempts: Infinity, jitter: 0 },
        },
      },
      clock,
    );
    // The budget governs the client's own attempts, so judge them on the client's clock: the
    // server's receipt times add event-loop jitter that the 60x clock turns into seconds.
    const dials: number[] = [];
    conn.on('connecting', () => dials.push(clock.now()));
    const started = clock.now();
    // Enough refused dials to fill the budget of two whole minutes and start a third.
    await until(
      () => attempts.length > 60,
      15_000,
      () => `61 refused dials (got ${attempts.length})`,
    );
    const elapsed = clock.now() - started;
    expect(dials.length).toBeGreaterThan(60);
    // Over the whole run: never more than 30 per started minute, whatever the jitter.
    expect(dials.length).toBeLessThanOrEqual(30 * Math.ceil(elapsed / 60_000));
    expect(attempts.length).toBeLessThanOrEqual(30 * Math.ceil(elapsed / 60_000));
    // Sliding window. The event is emitted a moment after the budget takes the slot, and the
    // 60x clock turns a few ms of event-loop delay into seconds: allow 2 s of that jitter.
    for (const t of dials) {
      const inWindow = dials.filter((x) => x > t - 58_000 && x <= t).length;
      expect(inWindow).toBeLessThanOrEqual(30);
    }
    s.faults.acceptConnections();
    await until(() => conns[0]?.state === 'open', 5000, 'connect after refusal ends');
  });
});

describe('InfoClient against the simulator', () => {
  let sim: Simulator | null = null;
  afterEach(async () => {
    await sim?.close();
    sim = null;
  });

  it('backs off on 429 and succeeds once the server accepts again', async () => {
    const s = (sim = await startSimulator({ tickMs: 0, accounts: 1 }));
    s.step(5);
    s.faults.infoError({ status: 429, count: 2 });
    const retries: number[] = [];
    const { silentLogger } = await import('../../src/core/index.js');
    const logger: typeof silentLogger = {
      ...silentLogger,
      warn: (o: unknown) => void retries.push((o as { delayMs: number }).delayMs),
      child: () => logger,
    };
    const info = new InfoClient({
      url: s.infoUrl,
      weightBudget: new InfoWeightBudget(),
      retryPolicy: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, maxAttempts: 5, jitter: 0 },
      logger,
    });
    const fills = await info.userFills(s.accounts[0] as string);
    expect(fills.length).toBe(s.groundTruth.fills(s.accounts[0] as string).length);
    expect(retries).toHaveLength(2);
    s.faults.infoError({ status: 429, count: 10 });
    await expect(info.userFills(s.accounts[0] as string)).rejects.toMatchObject({
      code: 'RETRIES_EXHAUSTED',
    });
  });
});
